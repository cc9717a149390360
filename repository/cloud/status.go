package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
)

// Status is what status.php says.
type Status struct {
	Installed   bool
	Maintenance bool
	Version     string // "30.0.4.1"
	VersionText string // "30.0.4"
	Product     string // "Nextcloud", "ownCloud"
}

// Status reads status.php (public, no token): a connection test that also tells products and versions apart.
func (c *Client) Status(ctx context.Context) (Status, error) {
	const op = "status"
	req, err := http.NewRequest(http.MethodGet, c.base.String()+"status.php", nil)
	if err != nil {
		return Status{}, errorf(op, err)
	}
	req.Header.Set("Accept", "application/json")
	ctx, cancel := c.callContext(ctx)
	defer cancel()
	resp, err := c.send(ctx, op, req)
	if err != nil {
		return Status{}, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Status{}, failure(op, resp, nil)
	}
	raw, err := readLimited(resp.Body, 64<<10)
	if err != nil {
		return Status{}, bodyError(ctx, op, req, resp, raw, err)
	}
	var doc map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		return Status{}, invalid(op, resp, raw, "not a status.php reply (not JSON)")
	}
	if _, ok := doc["installed"]; !ok {
		return Status{}, invalid(op, resp, raw, "not a status.php reply (no installed field)")
	}
	return Status{
		Installed:   truthy(doc["installed"]),
		Maintenance: truthy(doc["maintenance"]),
		Version:     stringOf(doc["version"]),
		VersionText: stringOf(doc["versionstring"]),
		Product:     stringOf(doc["productname"]),
	}, nil
}

// truthy reads a boolean given as a JSON boolean, "true"/"1" or 1.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string, json.Number:
		s := strings.ToLower(strings.TrimSpace(stringOf(x)))
		return s == "true" || s == "1"
	}
	return false
}
