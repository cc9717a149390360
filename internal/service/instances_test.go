package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

func TestCheckFolderName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ok   bool
	}{
		{"LMS files", true},
		{"Kursdateien ü", true},
		{"a.b", true},
		{"", false},
		{"   ", false},
		{"a/b", false},
		{`a\b`, false},
		{".hidden", false},
		{"tab\there", false},
		{strings.Repeat("x", 201), false},
	}
	for _, tc := range tests {
		if got := CheckFolderName(tc.name).IsZero(); got != tc.ok {
			t.Errorf("CheckFolderName(%q) ok = %t, want %t", tc.name, got, tc.ok)
		}
	}
}

func TestInstanceValidationAndFitness(t *testing.T) {
	t.Parallel()
	f := newAdminFixture(t, fixtureOptions{})
	ctx := context.Background()
	good := f.createIssuer(t, f.issuerInput(t, "Campus cloud"))
	partial := f.issuerInput(t, "Half cloud")
	partial.Preset = PresetCustom
	partial.Endpoints = partial.Endpoints[:3] // no WebDAV, no OCS
	half := f.createIssuer(t, partial)

	fits, err := f.svc.IssuerFitnesses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(fits) != 2 || !fits[0].Suitable() || fits[0].ControlledLinks || fits[1].Suitable() {
		t.Fatalf("fitness %+v", fits)
	}
	if got := strings.Join(fits[1].Missing, ","); got != cloud.EndpointWebDAV+","+cloud.EndpointOCS {
		t.Errorf("missing %s", got)
	}
	f.connectSystem(t, good.ID)
	fits, _ = f.svc.IssuerFitnesses(ctx)
	if !fits[0].ControlledLinks {
		t.Errorf("a connected system account does not enable controlled links")
	}

	valid := InstanceInput{Name: "Course files", IssuerID: good.ID, ControlledLinkFolder: "LMS files",
		Supported: host.ReturnImport | host.ReturnLink, DefaultReturn: host.ReturnLink, Enabled: true}
	if _, err := f.svc.CreateInstance(ctx, adminActor(), valid); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(*InstanceInput)
		key    string
	}{
		{"name required", func(in *InstanceInput) { in.Name = "" }, "name"},
		{"name unique", func(in *InstanceInput) { in.Name = "course FILES" }, "name"},
		{"issuer required", func(in *InstanceInput) { in.IssuerID = 0 }, "issuer"},
		{"issuer exists", func(in *InstanceInput) { in.IssuerID = 999 }, "issuer"},
		{"issuer suitable", func(in *InstanceInput) { in.IssuerID = half.ID }, "issuer"},
		{"folder without slash", func(in *InstanceInput) { in.ControlledLinkFolder = "a/b" }, "folder"},
		{"folder without leading dot", func(in *InstanceInput) { in.ControlledLinkFolder = ".x" }, "folder"},
		{"folder not empty", func(in *InstanceInput) { in.ControlledLinkFolder = "" }, "folder"},
		{"something supported", func(in *InstanceInput) { in.Supported = 0 }, "supported"},
		{"default among supported", func(in *InstanceInput) { in.Supported = host.ReturnImport }, "default_return"},
		{"default import needs import", func(in *InstanceInput) { in.Supported, in.DefaultReturn = host.ReturnLink, host.ReturnImport }, "default_return"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := valid
			in.Name = "Another"
			tc.change(&in)
			_, err := f.svc.CreateInstance(ctx, adminActor(), in)
			got := fieldErrors(t, err)
			if got[tc.key] == "" || len(got) != 1 {
				t.Errorf("errors %v, want one for %s", got, tc.key)
			}
		})
	}
	unsuitable := valid
	unsuitable.Name, unsuitable.IssuerID = "Another", half.ID
	_, err = f.svc.CreateInstance(ctx, adminActor(), unsuitable)
	if msg := fieldErrors(t, err)["issuer"]; !strings.Contains(msg, cloud.EndpointWebDAV) {
		t.Errorf("the issuer error %q does not say what the server lacks", msg)
	}
	// A controlled-link default rides with link support.
	in := valid
	in.Name, in.Supported, in.DefaultReturn = "Links", host.ReturnLink, host.ReturnControlledLink
	if _, err := f.svc.CreateInstance(ctx, adminActor(), in); err != nil {
		t.Errorf("controlled-link default refused: %v", err)
	}
}

func TestInstanceUpdateDeleteAudit(t *testing.T) {
	t.Parallel()
	f := newAdminFixture(t, fixtureOptions{})
	ctx := context.Background()
	iss := f.createIssuer(t, f.issuerInput(t, "Campus cloud"))
	in := InstanceInput{Name: "Files", IssuerID: iss.ID, ControlledLinkFolder: "LMS files", Supported: host.ReturnImport,
		DefaultReturn: host.ReturnImport, Enabled: true}
	inst, err := f.svc.CreateInstance(ctx, adminActor(), in)
	if err != nil {
		t.Fatal(err)
	}
	in.Enabled, in.ControlledLinkFolder = false, "Course files"
	got, err := f.svc.UpdateInstance(ctx, adminActor(), inst.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if got.Enabled || got.ControlledLinkFolder != "Course files" || !got.Created.Equal(inst.Created) {
		t.Errorf("updated %+v", got)
	}
	if err := f.svc.DeleteInstance(ctx, adminActor(), inst.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.GetInstance(ctx, inst.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("instance survived: %v", err)
	}
	var actions []string
	for _, e := range f.auditActions(t) {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, " "); got != "instance.delete instance.update instance.create issuer.create" {
		t.Errorf("audit actions %s", got)
	}
}

// recordingCourses is a host's own course settings hook.
type recordingCourses struct {
	mu  sync.Mutex
	off map[string]bool
}

func (r *recordingCourses) InstanceEnabled(_ context.Context, course string, id int64) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.off[fmt.Sprintf("%s/%d", course, id)], nil
}

func (r *recordingCourses) SetInstanceEnabled(_ context.Context, course string, id int64, enabled bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.off == nil {
		r.off = map[string]bool{}
	}
	r.off[fmt.Sprintf("%s/%d", course, id)] = !enabled
	return nil
}

func TestCourseInstances(t *testing.T) {
	t.Parallel()
	for _, hook := range []bool{false, true} {
		name := "store"
		if hook {
			name = "host hook"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			opts := fixtureOptions{}
			rec := &recordingCourses{}
			if hook {
				opts.courses = rec
			}
			f := newAdminFixture(t, opts)
			ctx := context.Background()
			iss := f.createIssuer(t, f.issuerInput(t, "Campus cloud"))
			inst, err := f.svc.CreateInstance(ctx, adminActor(), InstanceInput{Name: "Files", IssuerID: iss.ID, ControlledLinkFolder: "LMS files",
				Supported: host.ReturnImport, DefaultReturn: host.ReturnImport, Enabled: true})
			if err != nil {
				t.Fatal(err)
			}
			rows, err := f.svc.CourseInstances(ctx, "42")
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 || !rows[0].Enabled || !rows[0].Available() || rows[0].IssuerName != "Campus cloud" {
				t.Fatalf("rows %+v", rows)
			}
			teacher := host.User{ID: "teacher"}
			if _, err := f.svc.SetCourseInstance(ctx, teacher, "42", inst.ID, false); err != nil {
				t.Fatal(err)
			}
			rows, _ = f.svc.CourseInstances(ctx, "42")
			if rows[0].Enabled {
				t.Errorf("still enabled for course 42")
			}
			other, _ := f.svc.CourseInstances(ctx, "43")
			if !other[0].Enabled {
				t.Errorf("disabled for another course too")
			}
			storeOn, err := f.st.CourseInstanceEnabled(ctx, "42", inst.ID)
			if err != nil {
				t.Fatal(err)
			}
			if hook == !storeOn {
				t.Errorf("store says enabled=%t with the host hook %t: the setting went to the wrong place", storeOn, hook)
			}
			if e := f.auditActions(t)[0]; e.Action != "course.disable" || e.Actor != "teacher" || e.Target != "course 42" {
				t.Errorf("audit %+v", e)
			}
			if _, err := f.svc.SetCourseInstance(ctx, teacher, "42", 999, true); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unknown instance: %v", err)
			}
		})
	}
}

func TestDisconnectSystem(t *testing.T) {
	t.Parallel()
	f := newAdminFixture(t, fixtureOptions{})
	ctx := context.Background()
	iss := f.createIssuer(t, f.issuerInput(t, "Campus cloud"))
	if err := f.svc.DisconnectSystem(ctx, adminActor(), iss.ID); !errors.Is(err, ErrNotConnected) {
		t.Errorf("disconnect without an account: %v, want ErrNotConnected", err)
	}
	f.connectSystem(t, iss.ID)
	link, err := f.st.CreateControlledLink(ctx, store.ControlledLink{IssuerID: iss.ID, Course: "42", OwnerUserID: "student",
		OriginalPath: "/a.pdf", SystemPath: "/42/a.pdf", Name: "a.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	err = f.svc.DisconnectSystem(ctx, adminActor(), iss.ID)
	var inUse *SystemInUseError
	if !errors.As(err, &inUse) || !errors.Is(err, ErrSystemInUse) || inUse.Links != 1 || inUse.CloudUser != fixtureSystemUser {
		t.Fatalf("disconnect with a controlled link: %v", err)
	}
	if acc, _ := f.svc.SystemAccount(ctx, iss.ID); !acc.Connected || acc.ControlledLinks != 1 {
		t.Errorf("account after the refusal: %+v", acc)
	}
	if err := f.st.DeleteControlledLink(ctx, link.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DisconnectSystem(ctx, adminActor(), iss.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.GetToken(ctx, store.TokenKey{IssuerID: iss.ID, System: true}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("system token survived: %v", err)
	}
	if e := f.auditActions(t)[0]; e.Action != "system.disconnect" || !strings.Contains(e.Detail, fixtureSystemUser) {
		t.Errorf("audit %+v", e)
	}
}

func TestAuditPaging(t *testing.T) {
	t.Parallel()
	f := newAdminFixture(t, fixtureOptions{})
	ctx := context.Background()
	for i := range 5 {
		f.svc.auditText(ctx, adminActor(), "test.entry", "n", string(rune('a'+i)))
	}
	p1, err := f.svc.Audit(ctx, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	p3, err := f.svc.Audit(ctx, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(p1.Entries) != 2 || !p1.HasNext || p1.Entries[0].Detail != "e" {
		t.Errorf("page 1: %+v", p1)
	}
	if len(p3.Entries) != 1 || p3.HasNext || p3.Entries[0].Detail != "a" {
		t.Errorf("page 3: %+v", p3)
	}
	if p0, _ := f.svc.Audit(ctx, 0, 0); p0.Page != 1 || p0.PerPage != 50 || len(p0.Entries) != 5 {
		t.Errorf("defaults: %+v", p0)
	}
}
