package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"
)

// hello is the first line a host process writes on its standard output: where its host and its control server
// listen, and the instance the picker shows.
type hello struct {
	URL      string `json:"url"`
	Control  string `json:"control"`
	Instance int64  `json:"instance"`
}

// hostProcessLabel names what a host process measures.
const hostProcessLabel = "host process (ocrepo on Echo with its store and database driver)"

// serveHost is the -serve-host mode: the host alone, ocrepo mounted on Echo with its store, talking to the fake
// cloud at o.cloudURL that the driving process runs. Beside the host it serves, on another loopback port, what the
// driver needs of it: pick requests signed for its users (GET /token), an import awaited (GET /await), and the
// measurement of the work window (POST /begin, POST /end: this process's CPU, GCs, peak heap and goroutines, and the
// CPU profile -cpuprofile asks for). It runs until in reaches its end (the driver closed the pipe or died) or ctx
// ends.
func serveHost(ctx context.Context, o options, in io.Reader, out io.Writer) error {
	if o.cloudURL == "" {
		return errors.New("load: -serve-host needs -cloud-url")
	}
	lh, closeAll, err := startLocalHost(ctx, o, o.cloudURL)
	if err != nil {
		return err
	}
	defer closeAll()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("load: listen: %w", err)
	}
	m := newSelfMeter(hostProcessLabel, "host process", o.cpuProfile)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /token", func(w http.ResponseWriter, r *http.Request) {
		t, err := lh.token(r.Context(), r.URL.Query().Get("user"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, t)
	})
	mux.HandleFunc("GET /await", func(w http.ResponseWriter, r *http.Request) {
		if err := lh.await(r.Context(), r.URL.Query().Get("user"), r.URL.Query().Get("id")); err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
		}
	})
	mux.HandleFunc("POST /begin", func(w http.ResponseWriter, r *http.Request) {
		if err := m.begin(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("POST /end", func(w http.ResponseWriter, r *http.Request) {
		u, err := m.end(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(u)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	if err := json.NewEncoder(out).Encode(hello{URL: lh.url, Control: "http://" + ln.Addr().String(), Instance: lh.inst.ID}); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	eof := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, in)
		close(eof)
	}()
	select {
	case <-eof:
	case <-ctx.Done():
	}
	return nil
}

// startChildHost starts the fake cloud in this process and the host in a child process (o.hostBin, or this
// command itself, in its -serve-host mode) with the same database flags. The meter it returns measures the
// child; this process's own CPU (the users and the fake cloud) is reported beside it.
func startChildHost(ctx context.Context, o options) (h *host, m meter, closeAll func(), err error) {
	cl, err := startCloud()
	if err != nil {
		return nil, nil, nil, err
	}
	bin := o.hostBin
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			cl.Close()
			return nil, nil, nil, fmt.Errorf("load: %w", err)
		}
	}
	args := []string{"-serve-host", "-cloud-url", cl.URL}
	if o.postgres != "" {
		args = append(args, "-postgres", o.postgres)
	}
	if o.mysql != "" {
		args = append(args, "-mysql", o.mysql)
	}
	if o.cpuProfile != "" {
		args = append(args, "-cpuprofile", o.cpuProfile)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err == nil {
		var stdout io.ReadCloser
		if stdout, err = cmd.StdoutPipe(); err == nil {
			if err = cmd.Start(); err == nil {
				var hi hello
				if err = json.NewDecoder(stdout).Decode(&hi); err == nil {
					h = &host{url: hi.URL, bin: bin, cloud: cl, inst: hi.Instance}
					m = &childMeter{control: hi.Control, driver: newSelfMeter("driver process (the users and the fake cloud)", "driver", "")}
					h.token, h.await = m.(*childMeter).token, m.(*childMeter).await
				} else {
					err = fmt.Errorf("load: host process %s did not start: %w", bin, err)
				}
			}
		}
	}
	closeAll = func() {
		_ = stdin.Close()
		if cmd.Process != nil {
			_ = cmd.Wait()
		}
		cl.Close()
	}
	if err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	cl.SetRedirectURI(h.url + mount + "/callback")
	return h, m, closeAll, nil
}

// childMeter measures a host process through its control server, and this process beside it.
type childMeter struct {
	control string
	driver  *selfMeter
}

// call sends one request to the host process's control server and returns its answer.
func (c *childMeter) call(ctx context.Context, method, path string, q url.Values) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.control+path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("host process: %s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return b, nil
}

func (c *childMeter) token(ctx context.Context, userID string) (string, error) {
	b, err := c.call(ctx, http.MethodGet, "/token", url.Values{"user": {userID}})
	return string(b), err
}

func (c *childMeter) await(ctx context.Context, userID, id string) error {
	_, err := c.call(ctx, http.MethodGet, "/await", url.Values{"user": {userID}, "id": {id}})
	return err
}

func (c *childMeter) begin(ctx context.Context) error {
	if err := c.driver.begin(ctx); err != nil {
		return err
	}
	_, err := c.call(ctx, http.MethodPost, "/begin", nil)
	return err
}

func (c *childMeter) end(ctx context.Context) (usage, error) {
	b, err := c.call(ctx, http.MethodPost, "/end", nil)
	d, derr := c.driver.end(ctx)
	if err != nil {
		return usage{}, err
	}
	if derr != nil {
		return usage{}, derr
	}
	var u usage
	if err := json.Unmarshal(b, &u); err != nil {
		return usage{}, fmt.Errorf("load: host process's figures: %w", err)
	}
	u.Others = append(u.Others, d)
	return u, nil
}
