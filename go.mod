module github.com/identity-platform-go/charms

go 1.26
