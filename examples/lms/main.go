// Command lms is Lakeside LMS, a small learning management system that shows ocrepo at work: what a newcomer
// runs first.
//
//	go run ./examples/lms
//
// With no flags it keeps its data in ./lms-data (an SQLite database, the secret key, imported files) and starts
// the built-in test cloud, a fake Nextcloud in the same process, seeded with accounts and files; on the first
// start it also sets ocrepo up (a cloud server, its system account, a repository instance) so the file picker
// works at once. Sign in through the switcher in the page header as a site admin, a teacher or a student.
//
// Point it at a real Nextcloud or ownCloud instead:
//
//	go run ./examples/lms -cloud https://cloud.example.org -client-id ... -client-secret ...
//
// (or OCREPO_DEMO_CLOUD_URL, OCREPO_DEMO_CLIENT_ID and OCREPO_DEMO_CLIENT_SECRET). It prints the redirect URI to
// register at the cloud.
//
// Where to look: hooks.go has every hook ocrepo asks the LMS (who is signed in, who is an admin, who teaches a
// course, who may open an access controlled link, whether a submission still exists); sink.go stores imported
// files on disk; assignment.go and course.go open the picker and take its results; static/lms.js opens the
// picker in a popup and hands the pick back.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	var o Options
	flag.StringVar(&o.Addr, "addr", "127.0.0.1:8080", "where the LMS listens")
	flag.StringVar(&o.DataDir, "data", "lms-data", "folder for the database, the secret key and imported files")
	flag.StringVar(&o.TestCloudAddr, "test-cloud-addr", "127.0.0.1:8081", "where the built-in test cloud listens")
	flag.StringVar(&o.CloudURL, "cloud", os.Getenv("OCREPO_DEMO_CLOUD_URL"), "base URL of a real Nextcloud or ownCloud (default: the built-in test cloud)")
	flag.StringVar(&o.ClientID, "client-id", os.Getenv("OCREPO_DEMO_CLIENT_ID"), "OAuth client id registered at the real cloud")
	flag.StringVar(&o.ClientSecret, "client-secret", os.Getenv("OCREPO_DEMO_CLIENT_SECRET"), "OAuth client secret registered at the real cloud")
	flag.StringVar(&o.Product, "product", "nextcloud", "the real cloud's kind: nextcloud or owncloud")
	flag.BoolVar(&o.NoSeed, "no-seed", false, "leave ocrepo unconfigured on the first start, to set it up by hand on the admin pages")
	verbose := flag.Bool("v", false, "log more: ocrepo's information messages and every request to the test cloud")
	flag.Parse()
	level := slog.LevelWarn
	if *verbose {
		level, o.Verbose = slog.LevelInfo, true
	}
	o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
