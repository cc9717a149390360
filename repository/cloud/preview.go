package cloud

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// PreviewAPI is how a server hands out thumbnails.
type PreviewAPI int

// The preview APIs.
const (
	// PreviewCore is Nextcloud's: GET index.php/core/preview?fileId=<oc:fileid>&x=&y=&a=1 (a frontpage route that
	// takes the bearer token); forceIcon=0 makes a file without a preview answer 404 instead of a made-up icon.
	// The answer is the image (200) with Cache-Control private; 400 for bad sizes, 403 when the share forbids
	// downloads, 404 for an unknown id or no preview.
	PreviewCore PreviewAPI = iota
	// PreviewDAV is ownCloud 10's: GET on the file's WebDAV URL with ?preview=1&x=&y=&a=1 (its PreviewPlugin),
	// answering the image (200, image/png, jpeg or gif, else application/octet-stream) or 404 (Sabre NotFound)
	// when the file has no preview.
	PreviewDAV
)

// PreviewAPIFor is the preview API of a server, from the flavour table: product is a flavour id or the product
// name status.php gives ("Nextcloud", "ownCloud"). Servers we know nothing about are asked the Nextcloud way.
func PreviewAPIFor(product string) PreviewAPI {
	if f, ok := FlavorByID(FlavorID(strings.ToLower(strings.TrimSpace(product)))); ok {
		return f.Preview
	}
	if f, ok := IdentifyFlavor(product, ""); ok {
		return f.Preview
	}
	return PreviewCore
}

// Thumbnail is a preview image as the cloud made it.
type Thumbnail struct {
	Data        []byte
	ContentType string // one of image/png, image/jpeg, image/gif, image/webp
}

// MaxThumbnailBytes caps a preview answer: a thumbnail larger than this is an invalid response.
const MaxThumbnailBytes = 2 << 20

// Preview fetches a thumbnail of the file e (as listed: Path, and FileID for PreviewCore) that fits in size x
// size pixels, keeping its aspect ratio. A file without a preview is ErrNotFound; an answer that is not an image
// (a login page, a made-up octet stream) is ErrInvalidResponse, so nothing but an image ever reaches a browser.
func (cn *Conn) Preview(ctx context.Context, api PreviewAPI, e Entry, size int) (Thumbnail, error) {
	clean := cleanUserPath(e.Path)
	op := "preview " + clean
	if size <= 0 || size > 2048 {
		return Thumbnail{}, errorf(op, fmt.Errorf("preview size %d out of range", size))
	}
	px := strconv.Itoa(size)
	var raw string
	switch api {
	case PreviewCore:
		if e.FileID == "" {
			return Thumbnail{}, errorf(op, errors.New("no file id to ask a preview for"))
		}
		q := url.Values{"fileId": {e.FileID}, "x": {px}, "y": {px}, "a": {"1"}, "forceIcon": {"0"}}
		raw = cn.c.base.String() + "index.php/core/preview?" + q.Encode()
	case PreviewDAV:
		if cn.davErr != nil {
			return Thumbnail{}, errorf(op, cn.davErr)
		}
		q := "preview=1&x=" + px + "&y=" + px + "&a=1"
		raw = cn.davURL(clean)
		if strings.Contains(raw, "?") {
			raw += "&" + q
		} else {
			raw += "?" + q
		}
	default:
		return Thumbnail{}, errorf(op, fmt.Errorf("unknown preview API %d", api))
	}
	ctx, cancel := cn.c.callContext(ctx)
	defer cancel()
	req, err := cn.request(ctx, op, http.MethodGet, raw, nil)
	if err != nil {
		return Thumbnail{}, err
	}
	req.Header.Set("Accept", "image/png, image/jpeg, image/gif, image/webp")
	resp, err := cn.send(ctx, op, req)
	if err != nil {
		return Thumbnail{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return Thumbnail{}, failure(op, resp, nil)
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch ct {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
	default:
		head, _ := readLimited(resp.Body, 512)
		return Thumbnail{}, invalid(op, resp, head, "the preview is not an image")
	}
	data, err := readLimited(resp.Body, MaxThumbnailBytes+1)
	if err != nil {
		return Thumbnail{}, bodyError(ctx, op, req, resp, nil, err)
	}
	if len(data) > MaxThumbnailBytes {
		return Thumbnail{}, invalid(op, resp, nil, "the preview is larger than "+strconv.Itoa(MaxThumbnailBytes)+" bytes")
	}
	if sniffed := http.DetectContentType(data); sniffed != ct {
		return Thumbnail{}, invalid(op, resp, nil, "the preview says "+ct+" but holds "+sniffed)
	}
	return Thumbnail{Data: data, ContentType: ct}, nil
}
