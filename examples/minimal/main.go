// Command minimal is the smallest host: ocrepo mounted on an Echo server in about twenty lines. Everybody is
// the admin "admin" here; a real host plugs in its own sign-in. Imported files are written under ./uploads.
//
//	go run ./examples/minimal -key "$(openssl rand -hex 32)"
package main

import (
	"context"
	"encoding/hex"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/store/gormstore"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address")
	keyHex := flag.String("key", "", "64 hex digits: the secret key that seals tokens (keep it stable)")
	flag.Parse()
	key, err := hex.DecodeString(*keyHex)
	if err != nil || len(key) != 32 {
		log.Fatal("minimal: -key must be 64 hex digits (for example: openssl rand -hex 32)")
	}
	db, err := gormstore.OpenSQLite("minimal.db")
	if err != nil {
		log.Fatal(err)
	}
	repo, err := repository.New(repository.Config{
		DB:        db,
		SecretKey: key,
		PublicURL: "http://" + *addr + "/cloud",
		Users: repository.UsersFunc(func(*http.Request) (repository.User, error) {
			return repository.User{ID: "admin", Name: "Admin"}, nil
		}),
		Admins: repository.AdminsFunc(func(context.Context, repository.User) (bool, error) { return true, nil }),
		Files:  repository.FileSinkFunc(saveUpload),
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := repo.Migrate(context.Background()); err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	repo.Mount(e.Group("/cloud"))
	log.Printf("admin pages at http://%s/cloud/admin", *addr)
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
	dst := filepath.Join("uploads", filepath.Base(tmp.Name()[len("uploads/.part-"):])+"-"+filepath.Base(f.Name))
	return dst, os.Rename(tmp.Name(), dst)
}
