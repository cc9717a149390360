package gormstore

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ocrepo/ocrepo/store"
)

type issuerRow struct {
	ID                  int64  `gorm:"column:id;primaryKey"`
	Name                string `gorm:"column:name"`
	BaseURL             string `gorm:"column:base_url"`
	ClientID            string `gorm:"column:client_id"`
	ClientSecret        string `gorm:"column:client_secret"` // sealed
	BasicAuth           bool   `gorm:"column:basic_auth"`
	Preset              string `gorm:"column:preset"`
	Product             string `gorm:"column:product"`
	Version             string `gorm:"column:version"`
	AllowPrivateNetwork bool   `gorm:"column:allow_private_network"`
	Created             dbTime `gorm:"column:created"`
	Updated             dbTime `gorm:"column:updated"`
	Revision            int64  `gorm:"column:revision"`
}

func (issuerRow) TableName() string { return "ocrepo_issuers" }

type endpointRow struct {
	IssuerID int64  `gorm:"column:issuer_id"`
	Name     string `gorm:"column:name"`
	URL      string `gorm:"column:url"`
	Seq      int    `gorm:"column:seq"`
}

func (endpointRow) TableName() string { return "ocrepo_issuer_endpoints" }

type mappingRow struct {
	IssuerID int64  `gorm:"column:issuer_id"`
	External string `gorm:"column:external"`
	Internal string `gorm:"column:internal"`
	Seq      int    `gorm:"column:seq"`
}

func (mappingRow) TableName() string { return "ocrepo_issuer_mappings" }

// ListIssuers returns every issuer with its endpoints and mappings, ordered by ID.
func (s *Store) ListIssuers(ctx context.Context) ([]store.Issuer, error) {
	db := s.db.WithContext(ctx)
	var rows []issuerRow
	if err := db.Order("id").Find(&rows).Error; err != nil {
		return nil, wrapErr(s.db, "list issuers", err)
	}
	children, err := s.issuerChildren(db, "")
	if err != nil {
		return nil, wrapErr(s.db, "list issuers: endpoints and mappings", err)
	}
	byID := make(map[int64]int, len(rows))
	out := make([]store.Issuer, 0, len(rows))
	for _, r := range rows {
		iss, err := s.issuerFromRow(r)
		if err != nil {
			return nil, err
		}
		byID[r.ID] = len(out)
		out = append(out, iss)
	}
	// Endpoints and mappings of an issuer created after the first query are skipped: it is not in the list.
	for _, c := range children {
		if i, ok := byID[c.IssuerID]; ok {
			c.addTo(&out[i])
		}
	}
	return out, nil
}

// GetIssuer returns one issuer with its endpoints and mappings.
func (s *Store) GetIssuer(ctx context.Context, id int64) (store.Issuer, error) {
	return s.getIssuer(s.db.WithContext(bounded(ctx)), id)
}

func (s *Store) getIssuer(db *gorm.DB, id int64) (store.Issuer, error) {
	op := fmt.Sprintf("get issuer %d", id)
	var rows []issuerRow
	if err := db.Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return store.Issuer{}, wrapErr(s.db, op, err)
	}
	if len(rows) == 0 {
		return store.Issuer{}, notFound(op)
	}
	iss, err := s.issuerFromRow(rows[0])
	if err != nil {
		return store.Issuer{}, err
	}
	children, err := s.issuerChildren(db, "WHERE issuer_id = ?", id)
	if err != nil {
		return store.Issuer{}, wrapErr(s.db, op+": endpoints and mappings", err)
	}
	for _, c := range children {
		c.addTo(&iss)
	}
	return iss, nil
}

// childRow is an endpoint (kind 0: name, URL) or a field mapping (kind 1: external, internal) of an issuer.
type childRow struct {
	Kind     int    `gorm:"column:kind"`
	IssuerID int64  `gorm:"column:issuer_id"`
	Seq      int    `gorm:"column:seq"`
	A        string `gorm:"column:a"`
	B        string `gorm:"column:b"`
}

func (c childRow) addTo(iss *store.Issuer) {
	if c.Kind == 0 {
		iss.Endpoints = append(iss.Endpoints, store.Endpoint{Name: c.A, URL: c.B})
	} else {
		iss.Mappings = append(iss.Mappings, store.FieldMapping{External: c.A, Internal: c.B})
	}
}

// issuerChildren reads the endpoints and the mappings of the issuers where selects (every issuer when it is empty)
// in one statement, endpoints first, each issuer's in their order.
func (s *Store) issuerChildren(db *gorm.DB, where string, args ...any) ([]childRow, error) {
	var rows []childRow
	err := db.Raw(`SELECT 0 AS kind, issuer_id, seq, name AS a, url AS b FROM ocrepo_issuer_endpoints `+where+`
		UNION ALL
		SELECT 1 AS kind, issuer_id, seq, external AS a, internal AS b FROM ocrepo_issuer_mappings `+where+`
		ORDER BY kind, issuer_id, seq`, append(args, args...)...).Find(&rows).Error
	return rows, err
}

func (s *Store) issuerFromRow(r issuerRow) (store.Issuer, error) {
	secret, err := s.open(r.ClientSecret, aadClientSecret(r.ID))
	if err != nil {
		return store.Issuer{}, fmt.Errorf("gormstore: issuer %d: %w", r.ID, err)
	}
	return store.Issuer{
		ID:                  r.ID,
		Name:                r.Name,
		BaseURL:             r.BaseURL,
		ClientID:            r.ClientID,
		ClientSecret:        secret,
		BasicAuth:           r.BasicAuth,
		Preset:              r.Preset,
		Product:             r.Product,
		Version:             r.Version,
		AllowPrivateNetwork: r.AllowPrivateNetwork,
		Created:             r.Created.Time,
		Updated:             r.Updated.Time,
		Revision:            r.Revision,
	}, nil
}

// CreateIssuer stores a new issuer. iss.ID is ignored; Created is kept when set, else now; Updated is now.
// Two endpoints with one name, or two mappings with one external path, give store.ErrDuplicate.
func (s *Store) CreateIssuer(ctx context.Context, iss store.Issuer) (store.Issuer, error) {
	t := s.now()
	created := normTime(iss.Created)
	if created.IsZero() {
		created = t
	}
	row := issuerRow{
		Name:                iss.Name,
		BaseURL:             iss.BaseURL,
		ClientID:            iss.ClientID,
		BasicAuth:           iss.BasicAuth,
		Preset:              iss.Preset,
		Product:             iss.Product,
		Version:             iss.Version,
		AllowPrivateNetwork: iss.AllowPrivateNetwork,
		Created:             timeOf(created),
		Updated:             timeOf(t),
	}
	var out store.Issuer
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return wrapErr(s.db, "create issuer", err)
		}
		// The secret is bound to the issuer's ID, known only now.
		if err := s.writeIssuerSecret(tx, row.ID, iss.ClientSecret); err != nil {
			return err
		}
		if err := writeIssuerChildren(tx, row.ID, iss); err != nil {
			return err
		}
		var err error
		out, err = s.getIssuer(tx, row.ID)
		return err
	})
	if err != nil {
		return store.Issuer{}, err
	}
	return out, nil
}

// UpdateIssuer replaces every field of the issuer, its endpoints and mappings included, except Created; Updated
// becomes now.
func (s *Store) UpdateIssuer(ctx context.Context, iss store.Issuer) (store.Issuer, error) {
	out, _, err := s.updateIssuer(ctx, iss, false)
	return out, err
}

// SetIssuerProduct updates product and version, bumping the revision, where either differs.
func (s *Store) SetIssuerProduct(ctx context.Context, id int64, product, version string) error {
	err := s.db.WithContext(ctx).Model(&issuerRow{}).Where("id = ? AND (product <> ? OR version <> ?)", id, product, version).
		Updates(map[string]any{
			"product":  product,
			"version":  version,
			"updated":  timeOf(s.now()),
			"revision": gorm.Expr("revision + 1"),
		}).Error
	if err != nil {
		return wrapErr(s.db, fmt.Sprintf("set product of issuer %d", id), err)
	}
	return nil
}

// ReplaceIssuerServer updates the issuer like UpdateIssuer and, in the same transaction, deletes every token of
// it (the system account's too) and every login state in flight for it.
func (s *Store) ReplaceIssuerServer(ctx context.Context, iss store.Issuer) (store.Issuer, int64, error) {
	return s.updateIssuer(ctx, iss, true)
}

func (s *Store) updateIssuer(ctx context.Context, iss store.Issuer, dropLogins bool) (store.Issuer, int64, error) {
	op := fmt.Sprintf("update issuer %d", iss.ID)
	secret, err := s.seal(iss.ClientSecret, aadClientSecret(iss.ID))
	if err != nil {
		return store.Issuer{}, 0, err
	}
	var out store.Issuer
	var dropped int64
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if dropLogins {
			// Lock the issuer first (PostgreSQL) so that no token is stored for the old server meanwhile.
			var ids []int64
			if err := tx.Model(&issuerRow{}).Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
				Where("id = ?", iss.ID).Pluck("id", &ids).Error; err != nil {
				return wrapErr(s.db, op, err)
			}
			if len(ids) == 0 {
				return notFound(op)
			}
			res := tx.Where("issuer_id = ?", iss.ID).Delete(&tokenRow{})
			if res.Error != nil {
				return wrapErr(s.db, op+": tokens", res.Error)
			}
			dropped = res.RowsAffected
			if err := tx.Where("issuer_id = ?", iss.ID).Delete(&loginStateRow{}).Error; err != nil {
				return wrapErr(s.db, op+": login states", err)
			}
		}
		res := tx.Model(&issuerRow{}).Where("id = ?", iss.ID).Updates(map[string]any{
			"name":                  iss.Name,
			"base_url":              iss.BaseURL,
			"client_id":             iss.ClientID,
			"client_secret":         secret,
			"basic_auth":            iss.BasicAuth,
			"preset":                iss.Preset,
			"product":               iss.Product,
			"version":               iss.Version,
			"allow_private_network": iss.AllowPrivateNetwork,
			"updated":               timeOf(s.now()),
			"revision":              gorm.Expr("revision + 1"),
		})
		if res.Error != nil {
			return wrapErr(s.db, op, res.Error)
		}
		if res.RowsAffected == 0 {
			return notFound(op)
		}
		if err := tx.Where("issuer_id = ?", iss.ID).Delete(&endpointRow{}).Error; err != nil {
			return wrapErr(s.db, op+": endpoints", err)
		}
		if err := tx.Where("issuer_id = ?", iss.ID).Delete(&mappingRow{}).Error; err != nil {
			return wrapErr(s.db, op+": mappings", err)
		}
		if err := writeIssuerChildren(tx, iss.ID, iss); err != nil {
			return err
		}
		out, err = s.getIssuer(tx, iss.ID)
		return err
	})
	if err != nil {
		return store.Issuer{}, 0, err
	}
	return out, dropped, nil
}

func (s *Store) writeIssuerSecret(tx *gorm.DB, id int64, secret string) error {
	sealed, err := s.seal(secret, aadClientSecret(id))
	if err != nil {
		return err
	}
	if err := tx.Model(&issuerRow{}).Where("id = ?", id).Update("client_secret", sealed).Error; err != nil {
		return wrapErr(s.db, "create issuer: secret", err)
	}
	return nil
}

func writeIssuerChildren(tx *gorm.DB, id int64, iss store.Issuer) error {
	if len(iss.Endpoints) > 0 {
		rows := make([]endpointRow, len(iss.Endpoints))
		for i, e := range iss.Endpoints {
			rows[i] = endpointRow{IssuerID: id, Name: e.Name, URL: e.URL, Seq: i}
		}
		if err := tx.Create(&rows).Error; err != nil {
			return wrapErr(tx, fmt.Sprintf("issuer %d: endpoints", id), err)
		}
	}
	if len(iss.Mappings) > 0 {
		rows := make([]mappingRow, len(iss.Mappings))
		for i, m := range iss.Mappings {
			rows[i] = mappingRow{IssuerID: id, External: m.External, Internal: m.Internal, Seq: i}
		}
		if err := tx.Create(&rows).Error; err != nil {
			return wrapErr(tx, fmt.Sprintf("issuer %d: mappings", id), err)
		}
	}
	return nil
}

// DeleteIssuer removes the issuer and, in the same transaction, its endpoints, mappings, tokens, login states,
// instances and their course settings. Controlled links of its instances are kept with InstanceID 0.
func (s *Store) DeleteIssuer(ctx context.Context, id int64) error {
	op := fmt.Sprintf("delete issuer %d", id)
	return s.tx(ctx, func(tx *gorm.DB) error {
		// Lock the issuer first (PostgreSQL; SQLite has one writer anyway) so that no token, login state or
		// instance is added for it while it goes.
		var ids []int64
		if err := tx.Model(&issuerRow{}).Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
			Where("id = ?", id).Pluck("id", &ids).Error; err != nil {
			return wrapErr(s.db, op, err)
		}
		if len(ids) == 0 {
			return notFound(op)
		}
		// Explicit, so that the cascade holds even on a SQLite connection without foreign keys enforced.
		instances := tx.Model(&instanceRow{}).Select("id").Where("issuer_id = ?", id)
		steps := []struct {
			what string
			run  func() *gorm.DB
		}{
			{"controlled links", func() *gorm.DB {
				return tx.Model(&controlledLinkRow{}).Where("instance_id IN (?)", instances).Update("instance_id", nil)
			}},
			{"course settings", func() *gorm.DB {
				return tx.Where("instance_id IN (?)", instances).Delete(&courseInstanceRow{})
			}},
			{"instances", func() *gorm.DB { return tx.Where("issuer_id = ?", id).Delete(&instanceRow{}) }},
			{"tokens", func() *gorm.DB { return tx.Where("issuer_id = ?", id).Delete(&tokenRow{}) }},
			{"login states", func() *gorm.DB { return tx.Where("issuer_id = ?", id).Delete(&loginStateRow{}) }},
			{"client pause", func() *gorm.DB { return tx.Where("issuer_id = ?", id).Delete(&clientPauseRow{}) }},
			{"pending revocations", func() *gorm.DB { return tx.Where("issuer_id = ?", id).Delete(&revocationRow{}) }},
			{"endpoints", func() *gorm.DB { return tx.Where("issuer_id = ?", id).Delete(&endpointRow{}) }},
			{"mappings", func() *gorm.DB { return tx.Where("issuer_id = ?", id).Delete(&mappingRow{}) }},
		}
		for _, step := range steps {
			if err := step.run().Error; err != nil {
				return wrapErr(s.db, op+": "+step.what, err)
			}
		}
		res := tx.Where("id = ?", id).Delete(&issuerRow{})
		if res.Error != nil {
			return wrapErr(s.db, op, res.Error)
		}
		if res.RowsAffected == 0 {
			return notFound(op)
		}
		return nil
	})
}
