// Command minimal is the smallest host: ocrepo mounted on an Echo server in about twenty lines, plus a page
// that opens the file picker and one that shows what was picked. Everybody is the admin "admin" here; a real
// host plugs in its own sign-in. Imported files are written under ./uploads.
//
//	go run ./examples/minimal -key "$(openssl rand -hex 32)"
//
// Then open http://127.0.0.1:8090/cloud/admin to register a cloud server, and http://127.0.0.1:8090/ to pick.
package main

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"html"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/store/gormstore/gormsqlite"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address")
	keyHex := flag.String("key", "", "64 hex digits: the secret key that seals tokens (keep it stable)")
	flag.Parse()
	key, err := hex.DecodeString(*keyHex)
	if err != nil || len(key) != 32 {
		log.Fatal("minimal: -key must be 64 hex digits (for example: openssl rand -hex 32)")
	}
	db, err := gormsqlite.Open("minimal.db")
	if err != nil {
		log.Fatal(err)
	}
	admin := repository.User{ID: "admin", Name: "Admin"}
	repo, err := repository.New(repository.Config{
		DB:        db,
		SecretKey: key,
		PublicURL: "http://" + *addr + "/cloud",
		Users:     repository.UsersFunc(func(*http.Request) (repository.User, error) { return admin, nil }),
		Admins:    repository.AdminsFunc(func(context.Context, repository.User) (bool, error) { return true, nil }),
		Files:     repository.FileSinkFunc(saveUpload),
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := repo.Migrate(context.Background()); err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	repo.Mount(e.Group("/cloud"))

	// A page with a picker link, and the page the picker returns to with ?pick=<id>.
	e.GET("/", func(c echo.Context) error {
		u := repo.PickerURL(repository.PickRequest{User: admin.ID, ReturnTo: "/picked"})
		return c.HTML(http.StatusOK, `<p><a href="/cloud/admin">Admin pages</a> · <a href="`+html.EscapeString(u)+`">Pick a file</a></p>`)
	})
	e.GET("/picked", func(c echo.Context) error {
		res, err := repo.PickResult(c.Request().Context(), admin.ID, c.QueryParam("pick"))
		if err != nil {
			return echo.NewHTTPError(http.StatusNotFound, "no such pick")
		}
		var b strings.Builder
		for _, f := range res.Files {
			fmt.Fprintf(&b, "%s: %s (%d bytes) %s%s\n", res.Type, f.Name, f.Size, f.Ref, f.URL+f.ControlledURL)
		}
		return c.String(http.StatusOK, b.String())
	})
	log.Printf("open http://%s/ (admin pages at /cloud/admin)", *addr)
	log.Fatal(e.Start(*addr))
}

// saveUpload writes an imported file under ./uploads, keeping nothing when the stream fails.
func saveUpload(_ context.Context, f repository.FileInfo, r io.Reader) (string, error) {
	if err := os.MkdirAll("uploads", 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp("uploads", ".part-*")
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	dst := filepath.Join("uploads", strings.TrimPrefix(filepath.Base(tmp.Name()), ".part-")+"-"+filepath.Base(f.Name))
	if err := os.Rename(tmp.Name(), dst); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return dst, nil
}
