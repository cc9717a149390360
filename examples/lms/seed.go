package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/store"
)

// seedLMS fills an empty LMS with the demo's people, courses, assignments and a little material. It runs once:
// a database that has users already is left alone.
func seedLMS(ctx context.Context, db DB, now time.Time) error {
	var n int64
	if err := db.g.WithContext(ctx).Model(&User{}).Count(&n).Error; err != nil {
		return fmt.Errorf("lms: seed: %w", err)
	}
	if n > 0 {
		return nil
	}
	day := now.Truncate(24 * time.Hour).Add(17 * time.Hour) // due at 17:00 UTC
	return db.g.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, p := range people() {
			if err := tx.Create(&User{ID: p.ID, Name: p.Name, Email: p.ID + "@lakeside.example", Role: p.Role}).Error; err != nil {
				return err
			}
		}
		courses := []struct {
			c        Course
			students []string
			work     []Assignment
			material []Resource
		}{
			{
				c: Course{Code: "BIO101", Title: "Introduction to Biology",
					Summary: "Cells, photosynthesis and ecosystems, with weekly practicals and a field trip to the pond."},
				students: []string{"alice", "carol"},
				work: []Assignment{
					{Title: "Lab report: photosynthesis", Accept: ".pdf", MaxMB: 20, HandIn: HandInEither, Due: day.AddDate(0, 0, 7),
						Instructions: "Write up the pondweed practical: aim, method, results and a conclusion. Hand in one PDF. " +
							"You may hand in a copy, or keep the file in your cloud as an access controlled link."},
					{Title: "Field trip data", MaxMB: 25, HandIn: HandInCopy, Due: day.AddDate(0, 0, 14),
						Instructions: "Hand in your photos or measurements from the field trip, any file type up to 25 MB. A copy is kept in the LMS."},
				},
			},
			{
				c: Course{Code: "HIS210", Title: "Modern European History",
					Summary: "Europe from 1760 to 1914: industry, revolutions and reform."},
				students: []string{"alice"},
				work: []Assignment{
					{Title: "Essay: the industrial revolution", Accept: ".pdf,.odt,.docx,.md,.txt", MaxMB: 20, HandIn: HandInControlled,
						Due: day.AddDate(0, 0, 10),
						Instructions: "Hand in your essay as an access controlled link: it stays in your cloud and you can keep " +
							"improving it until you press Submit. After that it is read-only for you, and your teacher can open it."},
				},
			},
			{
				c: Course{Code: "CS150", Title: "Programming with Go",
					Summary: "Values, functions, interfaces, testing and a little concurrency."},
				students: []string{"carol"},
				material: []Resource{{Kind: KindLink, Title: "A Tour of Go", URL: "https://go.dev/tour/",
					Description: "Work through the basics before the first lab."}},
			},
		}
		for _, spec := range courses {
			c := spec.c
			if err := tx.Create(&c).Error; err != nil {
				return err
			}
			if err := tx.Create(&Member{CourseID: c.ID, UserID: "bob", Role: RoleTeacher}).Error; err != nil {
				return err
			}
			for _, s := range spec.students {
				if err := tx.Create(&Member{CourseID: c.ID, UserID: s, Role: RoleStudent}).Error; err != nil {
					return err
				}
			}
			for _, a := range spec.work {
				a.CourseID, a.Created = c.ID, now
				if err := tx.Create(&a).Error; err != nil {
					return err
				}
			}
			for _, r := range spec.material {
				r.CourseID, r.AddedBy, r.Added = c.ID, "bob", now
				if err := tx.Create(&r).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Settings the LMS keeps about ocrepo's set-up.
const (
	settingSeeded = "ocrepo.seeded" // ocrepo was set up automatically once; never again
)

// cloudTarget is the cloud server the demo sets ocrepo up for.
type cloudTarget struct {
	Name         string
	BaseURL      string
	ClientID     string
	ClientSecret string
	Product      cloud.FlavorID
}

// seedOcrepo sets ocrepo up on the first start, as an admin would on the admin pages: a cloud server with the
// product's preset endpoints, and a repository instance on it. It does nothing when it ran before or when cloud
// servers exist already. It reports whether it set anything up.
func seedOcrepo(ctx context.Context, db DB, st store.Store, t cloudTarget, now time.Time) (store.Issuer, bool, error) {
	done, err := db.Setting(ctx, settingSeeded)
	if err != nil {
		return store.Issuer{}, false, err
	}
	if done != "" {
		return store.Issuer{}, false, nil
	}
	existing, err := st.ListIssuers(ctx)
	if err != nil {
		return store.Issuer{}, false, fmt.Errorf("lms: seed ocrepo: %w", err)
	}
	if len(existing) > 0 {
		return store.Issuer{}, false, db.SetSetting(ctx, settingSeeded, "found cloud servers set up by hand")
	}
	eps, err := cloud.PresetEndpoints(t.Product, t.BaseURL)
	if err != nil {
		return store.Issuer{}, false, fmt.Errorf("lms: seed ocrepo: %w", err)
	}
	iss := store.Issuer{Name: t.Name, BaseURL: t.BaseURL, ClientID: t.ClientID, ClientSecret: t.ClientSecret,
		BasicAuth: true, Preset: string(t.Product)}
	for _, name := range slices.Sorted(maps.Keys(eps)) {
		iss.Endpoints = append(iss.Endpoints, store.Endpoint{Name: name, URL: eps[name]})
	}
	mappings := cloud.DefaultMappings()
	for _, ext := range slices.Sorted(maps.Keys(mappings)) {
		iss.Mappings = append(iss.Mappings, store.FieldMapping{External: ext, Internal: mappings[ext]})
	}
	iss, err = st.CreateIssuer(ctx, iss)
	if err != nil {
		return store.Issuer{}, false, fmt.Errorf("lms: seed ocrepo: %w", err)
	}
	inst, err := st.CreateInstance(ctx, store.Instance{Name: "Cloud files", IssuerID: iss.ID, ControlledLinkFolder: "LMS files",
		Supported: store.ReturnTypes(repository.ReturnImport | repository.ReturnLink), DefaultReturn: store.ReturnTypes(repository.ReturnImport),
		Enabled: true})
	if err != nil {
		return store.Issuer{}, false, fmt.Errorf("lms: seed ocrepo: %w", err)
	}
	for _, e := range []store.AuditEntry{
		{Action: "issuer.create", Target: "issuer " + strconv.FormatInt(iss.ID, 10), Detail: "set up by the demo LMS on its first start: " + iss.Name},
		{Action: "instance.create", Target: "instance " + strconv.FormatInt(inst.ID, 10), Detail: "set up by the demo LMS on its first start: " + inst.Name},
	} {
		e.At, e.Actor = now.UTC(), "lms-demo"
		if err := st.AddAudit(ctx, e); err != nil {
			return store.Issuer{}, false, fmt.Errorf("lms: seed ocrepo: %w", err)
		}
	}
	return iss, true, db.SetSetting(ctx, settingSeeded, "issuer "+strconv.FormatInt(iss.ID, 10))
}

// issuerFor finds the cloud server whose base URL is url.
func issuerFor(ctx context.Context, st store.Store, url string) (store.Issuer, error) {
	issuers, err := st.ListIssuers(ctx)
	if err != nil {
		return store.Issuer{}, fmt.Errorf("lms: cloud servers: %w", err)
	}
	for _, iss := range issuers {
		if strings.TrimRight(iss.BaseURL, "/") == strings.TrimRight(url, "/") {
			return iss, nil
		}
	}
	return store.Issuer{}, fmt.Errorf("lms: no cloud server at %s: %w", url, store.ErrNotFound)
}

// systemAccountOf says who the system account of an issuer is ("" when not connected).
func systemAccountOf(ctx context.Context, st store.Store, issuerID int64) (string, error) {
	t, err := st.GetToken(ctx, store.TokenKey{IssuerID: issuerID, System: true})
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("lms: system account: %w", err)
	}
	return t.CloudUser, nil
}
