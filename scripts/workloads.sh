#!/usr/bin/env bash
# Builds and installs the workloads the local runtime runs in its pods:
# Pebble, Ory Hydra, Ory Kratos and Traefik (built from their Go modules) and
# PostgreSQL (Debian's package).
#
# Go binaries are built once per machine into
#   ${XDG_CACHE_HOME:-$HOME/.cache}/identity-platform-go-charms/workloads/<name>-<version>/<binary>
# (a fresh clone on the same machine reuses them, which is what keeps CI fast)
# and installed into the git-ignored .workloads/ of the repository:
#   .workloads/bin/<binary>   hard link to (or copy of) the cached binary
#   .workloads/versions       one "name version" line per workload
# Every binary's own version command is checked against the pin on every run,
# so a second run costs only those checks.
#
# Usage: scripts/workloads.sh [workloads-dir]   (default: <repo>/.workloads)
set -euo pipefail

# --- pins: the only place versions are named ---------------------------------
PEBBLE_VERSION=v1.19.2 # what Juju 3.6.11 ships in its charm base image
HYDRA_VERSION=v2.3.0
HYDRA_CLIENT_GO_VERSION=v2.2.1 # stands in for hydra's ./internal/httpclient, absent from the module zip
KRATOS_VERSION=v1.3.1
TRAEFIK_VERSION=v3.6.12
POSTGRES_MAJOR=15
# ------------------------------------------------------------------------------

GO=${GO:-go}
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
workloads_dir=${1:-$repo_root/.workloads}
cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/identity-platform-go-charms/workloads
# Microseconds since the epoch (EPOCHREALTIME's separator follows the locale).
now_us() { echo "${EPOCHREALTIME//[.,]/}"; }
started=$(now_us)

die() {
	echo "workloads: $*" >&2
	exit 1
}

# Private scratch space, removed however the script ends.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/workloads.XXXXXX")
trap 'chmod -R u+w "$scratch" 2>/dev/null || true; rm -rf "$scratch"' EXIT

# module_dir MODULE@VERSION prints the module's directory in the module cache,
# downloading it first if needed.
module_dir() {
	local json dir
	json=$(cd "$scratch" && GOFLAGS='' "$GO" mod download -json "$1" 2>&1) || {
		echo "$json" >&2
		return 1
	}
	dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")
	[[ -n $dir && -d $dir ]] || {
		echo "no module directory in: $json" >&2
		return 1
	}
	echo "$dir"
}

# go_build NAME VERSION MODULE PACKAGE OUT LDFLAGS [REPLACE...]
# copies MODULE@VERSION out of the module cache (so its own go.mod, with its
# replace directives, is the main module), applies the extra REPLACE edits and
# builds PACKAGE into OUT. Static, stripped, reproducible paths.
go_build() {
	local name=$1 version=$2 module=$3 pkg=$4 out=$5 ldflags=$6
	shift 6
	local src work=$scratch/$name-src r
	src=$(module_dir "$module@$version") || return 1
	rm -rf "$work"
	cp -R "$src" "$work"
	chmod -R u+w "$work"
	for r in "$@"; do
		(cd "$work" && GOFLAGS='' "$GO" mod edit -replace "$r") || return 1
	done
	(cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local \
		"$GO" build -trimpath -ldflags "-s -w $ldflags" -o "$out" "$pkg") || return 1
	chmod -R u+w "$work"
	rm -rf "$work"
}

# cached_build NAME VERSION BINARY MODULE PACKAGE LDFLAGS [REPLACE...]
# makes sure the cache holds NAME-VERSION/BINARY and prints "built" or
# "cached". The binary is built under a temporary name in the same directory
# and renamed into place, so an interrupted build never leaves a file that
# looks complete; a lock keeps two concurrent runs from building it twice.
cached_build() {
	local name=$1 version=$2 binary=$3
	local dir=$cache_root/$name-$version
	local target=$dir/$binary
	mkdir -p "$dir"
	exec {lock}>"$dir/.lock"
	flock "$lock"
	if [[ -x $target ]]; then
		exec {lock}>&-
		echo cached
		return 0
	fi
	# Left by a run that was killed mid-build (we hold the lock, so not a live one).
	rm -f "$dir/.$binary.partial."*
	local tmp=$dir/.$binary.partial.$$
	local start=$SECONDS
	echo "workloads: building $name $version (once per machine) ..." >&2
	if ! go_build "$name" "$version" "$4" "$5" "$tmp" "${@:6}" >"$scratch/$name.log" 2>&1; then
		rm -f "$tmp"
		exec {lock}>&-
		return 1
	fi
	mv -f "$tmp" "$target"
	exec {lock}>&-
	echo "built in $((SECONDS - start))s"
}

# install_bin SOURCE DEST hard-links SOURCE to DEST (copy across file
# systems), replacing DEST atomically; nothing happens when DEST is already it.
install_bin() {
	local src=$1 dest=$2
	if [[ $dest -ef $src ]] || cmp -s "$src" "$dest" 2>/dev/null; then
		return 0
	fi
	mkdir -p "$(dirname "$dest")"
	local tmp=$dest.partial.$$
	ln -f "$src" "$tmp" 2>/dev/null || cp "$src" "$tmp"
	mv -f "$tmp" "$dest"
}

# check_version NAME WANT REPORTED [HINT]: versions compare without a leading "v".
check_version() {
	local name=$1 want=$2 got=$3 hint=${4:-}
	[[ ${got#v} == "${want#v}" ]] || die "$name reports version ${got:-<none>}, want $want${hint:+ ($hint)}"
}

# field OUTPUT KEY prints the value of the first "KEY: value" or "KEY value"
# line, or with an empty KEY the last word of the first line.
field() {
	[[ -n $2 ]] || {
		awk '{ print $NF; exit }' <<<"$1"
		return
	}
	awk -v key="$2" 'tolower($1) == tolower(key) || tolower($1) == tolower(key) ":" { print $2; exit }' <<<"$1"
}

# go_workload NAME VERSION BINARY MODULE PACKAGE LDFLAGS [REPLACE...]
go_workload() {
	local name=$1 version=$2 binary=$3 how
	how=$(cached_build "$@") || die "building $name $version failed: $(tail -n 20 "$scratch/$name.log" 2>/dev/null)"
	install_bin "$cache_root/$name-$version/$binary" "$workloads_dir/bin/$binary" ||
		die "installing $name $version into $workloads_dir/bin failed"
	local out reported hint="remove $cache_root/$name-$version to rebuild it"
	out=$("$workloads_dir/bin/$binary" "${version_cmd[@]}" 2>&1) ||
		die "$name $version: '$binary ${version_cmd[*]}' failed: $out ($hint)"
	reported=$(field "$out" "$version_key")
	check_version "$name" "$version" "$reported" "$hint"
	versions+="$name $version"$'\n'
	echo "$name $version ok ($how)"
}

postgres_workload() {
	local bindir=/usr/lib/postgresql/$POSTGRES_MAJOR/bin how="Debian package"
	if [[ ! -x $bindir/postgres ]]; then
		[[ $(id -u) == 0 ]] || die "PostgreSQL $POSTGRES_MAJOR is missing and installing it needs root: sudo apt-get install -y postgresql"
		local start=$SECONDS
		echo "workloads: installing PostgreSQL $POSTGRES_MAJOR with apt-get ..." >&2
		# The package lists are fetched only when needed: the package is not
		# known yet, or installing from the lists at hand failed (stale lists).
		local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -qq)
		if ! apt-cache show postgresql >/dev/null 2>&1 || ! "${apt[@]}" install -y postgresql >&2; then
			"${apt[@]}" update >&2 || die "installing postgresql $POSTGRES_MAJOR failed: apt-get update failed"
			"${apt[@]}" install -y postgresql >&2 || die "installing postgresql $POSTGRES_MAJOR failed: apt-get install postgresql failed"
		fi
		[[ -x $bindir/postgres ]] || die "installing postgresql: $bindir/postgres is still missing (is the Debian release's default PostgreSQL $POSTGRES_MAJOR?)"
		how="apt-get install in $((SECONDS - start))s"
	fi
	id -u postgres >/dev/null 2>&1 || die "postgresql $POSTGRES_MAJOR: the system user postgres does not exist"
	local out major
	out=$("$bindir/postgres" --version 2>&1) || die "postgresql: '$bindir/postgres --version' failed: $out"
	# "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"
	major=$(awk '{ split($3, v, "."); print v[1]; exit }' <<<"$out")
	check_version postgresql "$POSTGRES_MAJOR" "$major"
	versions+="postgresql $POSTGRES_MAJOR"$'\n'
	echo "postgresql $POSTGRES_MAJOR ok ($how; $(awk '{print $3; exit}' <<<"$out"))"
}

mkdir -p "$workloads_dir/bin" || die "cannot create $workloads_dir/bin"
versions=""

# pebble version --client: "v1.19.2"
version_cmd=(version --client) version_key=""
go_workload pebble "$PEBBLE_VERSION" pebble github.com/canonical/pebble ./cmd/pebble ""

# hydra version / kratos version: "Version:    v2.3.0"; Ory's release builds set
# driver/config.Version the same way.
version_cmd=(version) version_key=version
go_workload hydra "$HYDRA_VERSION" hydra github.com/ory/hydra/v2 . \
	"-X github.com/ory/hydra/v2/driver/config.Version=$HYDRA_VERSION" \
	"github.com/ory/hydra-client-go/v2=github.com/ory/hydra-client-go/v2@$HYDRA_CLIENT_GO_VERSION"
go_workload kratos "$KRATOS_VERSION" kratos github.com/ory/kratos . \
	"-X github.com/ory/kratos/driver/config.Version=$KRATOS_VERSION"

# traefik version: "Version:      3.6.12" (goreleaser's {{.Version}} has no "v").
go_workload traefik "$TRAEFIK_VERSION" traefik github.com/traefik/traefik/v3 ./cmd/traefik \
	"-X github.com/traefik/traefik/v3/pkg/version.Version=${TRAEFIK_VERSION#v}"

postgres_workload

# Written last and atomically: its presence means every workload above is in place.
printf '%s' "$versions" >"$workloads_dir/versions.partial.$$"
mv -f "$workloads_dir/versions.partial.$$" "$workloads_dir/versions"
elapsed_ms=$((($(now_us) - started) / 1000))
printf 'workloads: ready in %s (%d.%03ds)\n' "$workloads_dir" $((elapsed_ms / 1000)) $((elapsed_ms % 1000))
