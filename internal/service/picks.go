package service

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// Picker URL errors.
var (
	ErrPickInvalid = errors.New("service: picker request is damaged or was altered")
	ErrPickExpired = errors.New("service: picker request has expired")
)

// ReturnTypes is what a pick may return from an instance: the instance's supported types (controlled links ride
// with links and need a connected system account), narrowed by what the host asked for (links only in URL mode).
func (s *Service) ReturnTypes(ctx context.Context, inst store.Instance, req host.PickRequest) (host.ReturnType, error) {
	connected := false
	if host.ReturnType(inst.Supported).Has(host.ReturnLink) {
		if c, known := requestSystemConnected(ctx, inst.IssuerID); known {
			// Read with the instances earlier in this request (WithIssuers), as AvailableFor judged them.
			return allowedReturns(inst, c, req), nil
		}
		c, err := s.SystemConnection(ctx, inst.IssuerID)
		if err != nil {
			return 0, err
		}
		connected = c.Connected && !c.NeedLogin
	}
	return allowedReturns(inst, connected, req), nil
}

// DefaultReturn picks the type preselected in the picker: the instance's default when allowed, else the first
// allowed one.
func DefaultReturn(inst store.Instance, allowed host.ReturnType) host.ReturnType {
	if d := host.ReturnType(inst.DefaultReturn); allowed.Has(d) {
		return d
	}
	for _, t := range []host.ReturnType{host.ReturnImport, host.ReturnLink, host.ReturnControlledLink} {
		if allowed.Has(t) {
			return t
		}
	}
	return 0
}

func (s *Service) checkReturn(ctx context.Context, inst store.Instance, req host.PickRequest, t host.ReturnType) error {
	allowed, err := s.ReturnTypes(ctx, inst, req)
	if err != nil {
		return err
	}
	if !allowed.Has(t) {
		return fmt.Errorf("%w: %s (allowed: %s)", ErrReturnRefused, t, allowed)
	}
	return nil
}

// savePick records a completed pick for the host to look up.
func (s *Service) savePick(ctx context.Context, u host.User, inst store.Instance, req host.PickRequest, t host.ReturnType, files []host.PickedFile) (host.PickResult, error) {
	res := host.PickResult{ID: randomID(18), User: u.ID, Course: req.Course, InstanceID: inst.ID, Type: t, Files: files,
		Created: s.now().UTC()}
	payload, err := json.Marshal(files)
	if err != nil {
		return host.PickResult{}, fmt.Errorf("service: encode pick: %w", err)
	}
	var stored int64
	if t == host.ReturnImport {
		for _, f := range files {
			stored += f.Size
		}
	}
	err = s.store.CreatePickResult(ctx, store.PickResult{ID: res.ID, UserID: u.ID, Course: req.Course,
		InstanceID: inst.ID, Type: store.ReturnTypes(t), Payload: payload, Bytes: stored, Created: res.Created})
	if err != nil {
		return host.PickResult{}, fmt.Errorf("service: record pick: %w", err)
	}
	return res, nil
}

// PickResult returns a completed pick to the user who made it (or to the host on their behalf).
func (s *Service) PickResult(ctx context.Context, userID, id string) (host.PickResult, error) {
	p, err := s.store.GetPickResult(ctx, id)
	if err != nil {
		return host.PickResult{}, fmt.Errorf("service: pick %s: %w", id, err)
	}
	if p.UserID != userID {
		return host.PickResult{}, fmt.Errorf("service: pick %s: %w", id, store.ErrNotFound)
	}
	files, err := decodeFiles(p.Payload)
	if err != nil {
		return host.PickResult{}, fmt.Errorf("service: pick %s: %w", id, err)
	}
	return host.PickResult{ID: p.ID, User: p.UserID, Course: p.Course, InstanceID: p.InstanceID,
		Type: host.ReturnType(p.Type), Files: files, Created: p.Created}, nil
}

// decodeFiles reads the files of a stored pick.
func decodeFiles(payload []byte) ([]host.PickedFile, error) {
	var files []host.PickedFile
	if err := json.Unmarshal(payload, &files); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return files, nil
}

// signedPick is the wire form of a pick request: short field names keep picker URLs short.
type signedPick struct {
	U string   `json:"u"`
	C string   `json:"c,omitempty"`
	W uint8    `json:"w,omitempty"`
	M uint8    `json:"m,omitempty"`
	A []string `json:"a,omitempty"`
	B int64    `json:"b,omitempty"`
	N bool     `json:"n,omitempty"`
	X []string `json:"x,omitempty"`
	R string   `json:"r,omitempty"`
	E int64    `json:"e"`
}

// SignPick encodes a pick request into a tamper-proof token for the picker URL.
func (s *Service) SignPick(req host.PickRequest) string {
	b, _ := json.Marshal(signedPick{U: req.User, C: req.Course, W: uint8(req.Want), M: uint8(req.Mode), A: req.Accept,
		B: req.MaxBytes, N: req.Multiple, X: req.Context, R: req.ReturnTo, E: req.Expires.Unix()})
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + s.sign("pick", payload)
}

// OpenPick checks and decodes a picker token.
func (s *Service) OpenPick(token string) (host.PickRequest, error) {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || payload == "" || !hmac.Equal([]byte(sig), []byte(s.sign("pick", payload))) {
		return host.PickRequest{}, ErrPickInvalid
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return host.PickRequest{}, ErrPickInvalid
	}
	var sp signedPick
	if err := json.Unmarshal(b, &sp); err != nil {
		return host.PickRequest{}, ErrPickInvalid
	}
	req := host.PickRequest{User: sp.U, Course: sp.C, Want: host.ReturnType(sp.W), Mode: host.Mode(sp.M), Accept: sp.A,
		MaxBytes: sp.B, Multiple: sp.N, Context: sp.X, ReturnTo: sp.R, Expires: time.Unix(sp.E, 0).UTC()}
	if !s.now().Before(req.Expires) {
		return req, ErrPickExpired
	}
	return req, nil
}

// sign is an HMAC-SHA256 of purpose and payload, base64url.
func (s *Service) sign(purpose, payload string) string {
	m := hmac.New(sha256.New, s.cfg.SigningKey)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
