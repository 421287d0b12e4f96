package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// serve is the workload: an HTTP server answering every request with
// "<unit> <method> <path>".
func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	port := fs.Int("port", 8080, "port to listen on")
	unit := fs.String("unit", "", "unit name to answer with")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv := &http.Server{
		Addr:              ":" + strconv.Itoa(*port),
		Handler:           handler(*unit),
		ReadHeaderTimeout: 10 * time.Second,
	}
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func handler(unit string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "%s %s %s\n", unit, r.Method, r.URL.Path)
	})
}
