package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/store"
)

// The built-in test cloud is ocrepo's fake Nextcloud (package cloudtest), served on a real port so the browser
// can reach its login page. It lives in memory: its files are seeded again, the same, on every start, and the
// tokens it issued die with the process. reviveTestCloud makes up for that at start.

// The test cloud's OAuth client, registered there at start. Type these into the admin pages when setting the
// demo up by hand.
const (
	testClientID     = "ocrepo-demo"
	testClientSecret = "demo-client-secret"
	systemAccount    = "lms-system" // the cloud account ocrepo's system account logs in as
)

// person is someone in the demo: an LMS user with an account of the same name at the test cloud (password: the
// name too).
type person struct {
	ID, Name, Role string
}

// people are the demo's users.
func people() []person {
	return []person{
		{"dana", "Dana Whitfield", RoleAdmin},
		{"bob", "Bob Okafor", RoleTeacher},
		{"alice", "Alice Martin", RoleStudent},
		{"carol", "Carol Jensen", RoleStudent},
	}
}

// startTestCloud starts the fake cloud on ln with the demo's accounts and files. redirectURI is ocrepo's OAuth
// callback.
func startTestCloud(ln net.Listener, redirectURI string, logf func(string, ...any)) (*cloudtest.Server, error) {
	srv, err := cloudtest.New(cloudtest.Options{
		Listener:     ln,
		ClientID:     testClientID,
		ClientSecret: testClientSecret,
		RedirectURI:  redirectURI,
		ShareLimit:   -1, // a class of students shares many files with the system account in a minute
		Logf:         logf,
	})
	if err != nil {
		return nil, fmt.Errorf("lms: test cloud: %w", err)
	}
	for _, p := range people() {
		srv.AddUser(p.ID, p.ID, p.ID+"@lakeside.example", p.Name)
	}
	srv.AddUser(systemAccount, systemAccount, "", "LMS system account")
	seedCloudFiles(srv)
	return srv, nil
}

// seedCloudFiles gives every demo account believable files: folders, PDFs, images, notes and one big file.
func seedCloudFiles(s *cloudtest.Server) {
	// Alice, a student.
	s.WriteFile("alice", "/Documents/Lab report - photosynthesis.pdf", pdfDoc("Lab report: photosynthesis",
		"Alice Martin - BIO101 Introduction to Biology", "",
		"Aim: measure how light intensity changes the rate of photosynthesis in pondweed.",
		"Method: count oxygen bubbles per minute at five distances from a lamp.",
		"Result: the rate fell from 42 to 9 bubbles per minute between 10 cm and 50 cm.",
		"Conclusion: light intensity limits the rate until another factor does."))
	s.WriteFile("alice", "/Documents/Essay - the industrial revolution.pdf", pdfDoc("The industrial revolution",
		"Alice Martin - HIS210 Modern European History", "",
		"Between 1760 and 1840 Britain turned from workshops to factories.",
		"Steam power, canals and later railways moved coal, cotton and people.",
		"This essay asks who gained, who lost, and how quickly life changed."))
	s.WriteFile("alice", "/Documents/Essay outline.md", []byte("# Essay outline\n\n1. Before 1760: cottage industry\n"+
		"2. Steam and coal\n3. Cities and work\n4. Reform\n"))
	s.WriteFile("alice", "/Documents/Notes/Week 1 - cells.txt", []byte("Cells: membrane, nucleus, cytoplasm.\n"+
		"Plant cells also have a wall, chloroplasts and a vacuole.\n"))
	s.WriteFile("alice", "/Documents/Notes/Week 2 - photosynthesis.txt", []byte("6 CO2 + 6 H2O -> C6H12O6 + 6 O2 (light, chlorophyll)\n"))
	s.WriteFile("alice", "/Photos/Field trip/pond.jpg", jpegOf(picture(640, 420, 0.55)))
	s.WriteFile("alice", "/Photos/Field trip/meadow.jpg", jpegOf(picture(640, 420, 0.15)))
	s.WriteFile("alice", "/Photos/Field trip/leaf sample.png", pngOf(diagram(400, 300)))
	s.WriteFile("alice", "/Photos/profile.png", pngOf(picture(160, 160, 0.8)))
	s.SeedGeneratedFile("alice", "/Research/sensor-log-2024.bin", 150<<20)
	s.SeedFolder("alice", "/Archive/2023 worksheets", 120)
	s.WriteFile("alice", "/Readme.md", []byte("My school files. Photos from the field trip are in Photos.\n"))

	// Carol, a student.
	s.WriteFile("carol", "/Lab report (Carol).pdf", pdfDoc("Lab report: photosynthesis", "Carol Jensen - BIO101", "",
		"Bubbles per minute at 10, 20, 30, 40 and 50 cm: 38, 25, 16, 11, 8."))
	s.WriteFile("carol", "/Photos/pond sample.jpg", jpegOf(picture(640, 420, 0.6)))

	// Bob, a teacher.
	s.WriteFile("bob", "/Teaching/BIO101/Week 1 - The cell.pdf", pdfDoc("Week 1: the cell", "BIO101 lecture notes", "",
		"Every living thing is made of cells.", "Prokaryotes have no nucleus; eukaryotes do."))
	s.WriteFile("bob", "/Teaching/BIO101/Week 2 - Photosynthesis.pdf", pdfDoc("Week 2: photosynthesis", "BIO101 lecture notes", "",
		"Light-dependent reactions happen in the thylakoids.", "The Calvin cycle fixes carbon in the stroma."))
	s.WriteFile("bob", "/Teaching/BIO101/Lab safety rules.pdf", pdfDoc("Lab safety rules", "Read before the first practical", "",
		"1. Goggles on.", "2. No food or drink.", "3. Report every spill."))
	s.WriteFile("bob", "/Teaching/BIO101/Cell diagram.png", pngOf(diagram(600, 400)))
	s.WriteFile("bob", "/Teaching/HIS210/Reading list.pdf", pdfDoc("HIS210 reading list", "Modern European History", "",
		"Hobsbawm, The Age of Revolution", "Ashton, The Industrial Revolution 1760-1830"))
	s.WriteFile("bob", "/Teaching/HIS210/Europe in 1815.png", pngOf(picture(800, 500, 0.1)))
	s.WriteFile("bob", "/Teaching/CS150/Syllabus.pdf", pdfDoc("CS150 syllabus", "Programming with Go", "",
		"Weeks 1-4: values, functions, slices and maps.", "Weeks 5-8: interfaces, errors, testing.", "Weeks 9-12: concurrency and a project."))
	s.SeedGeneratedFile("bob", "/Datasets/plankton-counts-raw.bin", 200<<20)

	// Dana, the site administrator.
	s.WriteFile("dana", "/Admin/Cloud setup checklist.pdf", pdfDoc("Cloud setup checklist", "Lakeside LMS", "",
		"1. Register the LMS as an OAuth 2 client in the cloud.", "2. Add the cloud server in the LMS admin pages.",
		"3. Connect the system account.", "4. Create a repository instance."))
}

// reviveTestCloud runs at every start with the test cloud: the cloud has forgotten everything it did in the
// previous run, while ocrepo's database remembers it. For each cloud server that points at the test cloud it
//   - logs the system account in again through the quick path (the fake's IssueToken), so access controlled
//     links keep working without an admin;
//   - puts back the system account's copies of access controlled links, from the owners' seeded originals;
//   - forgets the shares handed out earlier (the cloud no longer has them; opening a link shares it again).
//
// Users' own logins are not revived: the picker tells them their login has expired and to log in again, as it
// would after a real server revoked their tokens.
//
// When the test cloud listens on another port than last time (-test-cloud-addr changed), the cloud servers that
// pointed at its old address are moved to the new one first.
func reviveTestCloud(ctx context.Context, db DB, st store.Store, srv *cloudtest.Server, log *slog.Logger) error {
	prev, err := db.Setting(ctx, settingTestCloudURL)
	if err != nil {
		return err
	}
	if prev != "" && prev != srv.URL {
		if err := moveIssuers(ctx, st, prev, srv.URL); err != nil {
			return err
		}
	}
	if err := db.SetSetting(ctx, settingTestCloudURL, srv.URL); err != nil {
		return err
	}
	issuers, err := st.ListIssuers(ctx)
	if err != nil {
		return fmt.Errorf("lms: revive test cloud: %w", err)
	}
	for _, iss := range issuers {
		if strings.TrimRight(iss.BaseURL, "/") != strings.TrimRight(srv.URL, "/") {
			continue
		}
		key := store.TokenKey{IssuerID: iss.ID, System: true}
		old, err := st.GetToken(ctx, key)
		if errors.Is(err, store.ErrNotFound) {
			continue // no system account yet: the admin connects it
		}
		if err != nil {
			return fmt.Errorf("lms: revive test cloud: %w", err)
		}
		if err := connectTestSystemAccount(ctx, st, srv, iss.ID, old.CloudUser); err != nil {
			return err
		}
		links, err := st.ListControlledLinks(ctx, store.ControlledLinkFilter{IssuerID: iss.ID})
		if err != nil {
			return fmt.Errorf("lms: revive test cloud: %w", err)
		}
		restored := 0
		for _, l := range links {
			if restoreCopy(srv, old.CloudUser, l) {
				restored++
			}
			shares, err := st.ListControlledShares(ctx, l.ID)
			if err != nil {
				return fmt.Errorf("lms: revive test cloud: %w", err)
			}
			for _, sh := range shares {
				if err := st.DeleteControlledShare(ctx, l.ID, sh.UserID); err != nil && !errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("lms: revive test cloud: %w", err)
				}
			}
		}
		log.InfoContext(ctx, "lms: test cloud revived", "issuer", iss.Name, "system_account", old.CloudUser,
			"controlled_links", len(links), "copies_restored", restored)
	}
	return nil
}

// settingTestCloudURL remembers where the test cloud listened, to notice when it moves.
const settingTestCloudURL = "testcloud.url"

// moveIssuers points the cloud servers at from (base URL and endpoints) to to.
func moveIssuers(ctx context.Context, st store.Store, from, to string) error {
	issuers, err := st.ListIssuers(ctx)
	if err != nil {
		return fmt.Errorf("lms: move cloud servers: %w", err)
	}
	for _, iss := range issuers {
		if iss.BaseURL != from {
			continue
		}
		iss.BaseURL = to
		for i, e := range iss.Endpoints {
			if rest, ok := strings.CutPrefix(e.URL, from); ok {
				iss.Endpoints[i].URL = to + rest
			}
		}
		if _, err := st.UpdateIssuer(ctx, iss); err != nil {
			return fmt.Errorf("lms: move cloud server %q: %w", iss.Name, err)
		}
	}
	return nil
}

// restoreCopy puts a controlled link's copy back into the system account's space from the owner's original,
// when the original exists in the seeded files and is small enough to copy in memory.
func restoreCopy(srv *cloudtest.Server, sys string, l store.ControlledLink) bool {
	const maxRestore = 64 << 20
	if l.Size > maxRestore || srv.Exists(sys, l.SystemPath) {
		return false
	}
	data, ok := srv.ReadFile(l.OwnerCloud, l.OriginalPath)
	if !ok || len(data) > maxRestore {
		return false
	}
	srv.WriteFile(sys, l.SystemPath, data)
	return true
}

// connectTestSystemAccount logs the system account in at the test cloud without a browser and stores the token,
// as the admin page's "Connect system account" would after the cloud's login page.
func connectTestSystemAccount(ctx context.Context, st store.Store, srv *cloudtest.Server, issuerID int64, cloudUser string) error {
	if cloudUser == "" {
		cloudUser = systemAccount
	}
	if !srv.Exists(cloudUser, "/") {
		return nil // an account the test cloud does not have: leave it to the admin
	}
	access, refresh, life := srv.IssueToken(cloudUser)
	now := time.Now().UTC()
	_, err := st.PutToken(ctx, store.Token{Key: store.TokenKey{IssuerID: issuerID, System: true}, CloudUser: cloudUser,
		CloudName: "LMS system account", AccessToken: access, RefreshToken: refresh, Expiry: now.Add(life), Created: now, Refreshed: now})
	if err != nil {
		return fmt.Errorf("lms: connect the system account: %w", err)
	}
	return nil
}
