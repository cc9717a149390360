package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// Import errors (Explain puts them in words).
var (
	ErrTooLarge      = errors.New("service: file larger than allowed")
	ErrNotAccepted   = errors.New("service: file type not accepted")
	ErrCancelled     = errors.New("service: cancelled")
	ErrShuttingDown  = errors.New("service: shutting down")
	ErrSizeMismatch  = errors.New("service: the cloud sent a different size than announced")
	ErrNoFiles       = errors.New("service: no files chosen")
	ErrTooManyFiles  = errors.New("service: several files chosen where one is allowed")
	ErrReturnRefused = errors.New("service: return type not allowed here")
)

// copyBuffer is the chunk an import moves at a time: large enough to keep throughput near a bare copy.
const copyBuffer = 1 << 20

// minCopyBuffer is the smallest buffer an import uses, for files the cloud announced as small.
const minCopyBuffer = 32 << 10

// progressInterval is how often a running import records its progress in the store, so that any replica can
// show it and notice a cancel request made elsewhere. It is a time, not a byte count: on a fast link a byte count
// meant hundreds of database writes a second for one import (each stopping the copy while it ran), where a
// progress bar needs a few.
const progressInterval = 250 * time.Millisecond

// StartImport checks the pick and starts copying the files into the host's sink in the background; it returns the
// job id whose progress ImportStatus reports. Files the listing already shows as too large or not accepted are
// refused before any download.
func (s *Service) StartImport(ctx context.Context, u host.User, inst store.Instance, req host.PickRequest, paths []string) (string, error) {
	if err := s.checkReturn(ctx, inst, req, host.ReturnImport); err != nil {
		return "", err
	}
	if len(paths) == 0 {
		return "", ErrNoFiles
	}
	if len(paths) > 1 && !req.Multiple {
		return "", ErrTooManyFiles
	}
	conn, tok, err := s.userConn(ctx, inst.IssuerID, u.ID)
	if err != nil {
		return "", err
	}
	acc := NewAcceptor(req)
	var total int64
	names := make([]string, len(paths))
	for i, p := range paths {
		p = cleanPath(p)
		paths[i] = p
		names[i] = path.Base(p)
		e, err := s.checkPicked(ctx, conn, inst.IssuerID, u.ID, tok.CloudUser, acc, p)
		if err != nil {
			return "", err
		}
		total += max(e.Size, 0)
	}
	s.maybeSweepImports(ctx)
	if err := s.checkImportLimits(ctx, u, total); err != nil {
		return "", err
	}
	label := names[0]
	if len(names) > 1 {
		label = StoreMessages(Msg("picker.import.files", "Count", len(names)))
	}
	job := store.ImportJob{ID: randomID(18), UserID: u.ID, InstanceID: inst.ID, Name: label, Total: total,
		State: store.ImportRunning, Created: s.now().UTC(), Updated: s.now().UTC()}
	if err := s.store.CreateImportJob(ctx, job); err != nil {
		return "", fmt.Errorf("service: record import: %w", err)
	}
	s.importsMu.Lock()
	if s.closed {
		s.importsMu.Unlock()
		_ = s.store.FinishImportJob(ctx, job.ID, store.ImportFailed, StoreMessages(ExplainImport(ErrShuttingDown, "")), "")
		return "", ErrShuttingDown
	}
	jctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	run := &runningImport{cancel: cancel, done: make(chan struct{})}
	s.imports[job.ID] = run
	s.importsWG.Add(1)
	s.importsMu.Unlock()
	s.metrics.importsStarted.Inc()
	began := time.Now()
	go func() {
		defer s.importsWG.Done()
		defer func() {
			s.importsMu.Lock()
			delete(s.imports, job.ID)
			s.importsMu.Unlock()
			cancel()
			close(run.done)
		}()
		s.runImport(jctx, u, inst, req, conn, acc, job, paths)
		s.metrics.importDuration.Observe(time.Since(began).Seconds())
	}()
	return job.ID, nil
}

// refusalError turns an Acceptor refusal into the matching sentinel.
func refusalError(acc Acceptor, name, contentType string, size int64) error {
	why := acc.Refusal(name, contentType, size)
	if acc.MaxBytes() > 0 && size > acc.MaxBytes() && acc.Refusal(name, contentType, 0).IsZero() {
		return &Refusal{Err: ErrTooLarge, Reason: why}
	}
	return &Refusal{Err: ErrNotAccepted, Reason: why}
}

// cachedEntry finds a file in a recent listing of its folder, without a request.
func (s *Service) cachedEntry(issuerID int64, userID, cloudUser, p string) (cloud.Entry, bool) {
	f, ok := s.listings.get(listingKey{issuerID: issuerID, userID: userID, cloudUser: cloudUser, path: cleanPath(path.Dir(p))})
	if !ok {
		return cloud.Entry{}, false
	}
	for _, e := range f.entries {
		if e.Path == p {
			return e, true
		}
	}
	return cloud.Entry{}, false
}

// runImport copies every file, then records the pick result; on any failure it removes what it already stored
// (where the sink can) and records why.
func (s *Service) runImport(ctx context.Context, u host.User, inst store.Instance, req host.PickRequest, conn *cloud.Conn,
	acc Acceptor, job store.ImportJob, paths []string) {
	select {
	case s.importSlots <- struct{}{}:
		defer func() { <-s.importSlots }()
	case <-ctx.Done():
		s.finishImport(job.ID, store.ImportCancelled, StoreMessages(Msg("picker.import.cancelled_detail")), "")
		return
	}
	prog := &progress{s: s, ctx: ctx, jobID: job.ID, last: s.now()}
	var files []host.PickedFile
	for _, p := range paths {
		f, err := s.importOne(ctx, u, req, conn, acc, prog, p)
		if err != nil {
			s.discard(ctx, files)
			state, words := store.ImportFailed, StoreMessages(ExplainImport(err, s.issuerLabel(ctx, inst.IssuerID)))
			if errors.Is(err, ErrCancelled) || errors.Is(err, context.Canceled) {
				state, words = store.ImportCancelled, StoreMessages(Msg("picker.import.cancelled_detail"))
			}
			s.log.WarnContext(ctx, "ocrepo: import failed", "job", job.ID, "user", u.ID, "instance", inst.ID, "err", err)
			s.finishImport(job.ID, state, words, "")
			return
		}
		files = append(files, f)
	}
	res, err := s.savePick(ctx, u, inst, req, host.ReturnImport, files)
	if err != nil {
		s.discard(ctx, files)
		s.log.ErrorContext(ctx, "ocrepo: import result not recorded", "job", job.ID, "err", err)
		s.finishImport(job.ID, store.ImportFailed, StoreMessages(Msg("picker.import.unrecorded")), "")
		return
	}
	if c, ok := s.store.(store.ImportJobCompleter); ok {
		// The final progress and the end in one statement.
		s.metrics.importEnded(store.ImportDone)
		fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.CompleteImportJob(fctx, job.ID, prog.done, store.ImportDone, "", res.ID); err != nil {
			s.log.Error("ocrepo: record import end", "job", job.ID, "err", err)
		}
		return
	}
	if _, err := s.store.UpdateImportProgress(ctx, job.ID, prog.done); err != nil {
		s.log.WarnContext(ctx, "ocrepo: final import progress", "job", job.ID, "err", err)
	}
	s.finishImport(job.ID, store.ImportDone, "", res.ID)
}

// issuerLabel is the cloud's name for the words of an import that failed; "" (the cloud) when it cannot be read.
func (s *Service) issuerLabel(ctx context.Context, issuerID int64) string {
	iss, err := s.store.GetIssuer(context.WithoutCancel(ctx), issuerID)
	if err != nil {
		return ""
	}
	return Available{Issuer: iss}.CloudName()
}

// finishImport records the end of a job even when the job's own context is gone.
func (s *Service) finishImport(id string, state store.ImportState, words, resultID string) {
	s.metrics.importEnded(state)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.store.FinishImportJob(ctx, id, state, words, resultID); err != nil {
		s.log.Error("ocrepo: record import end", "job", id, "err", err)
	}
}

// discard asks the sink to remove files stored by a batch that failed later.
func (s *Service) discard(ctx context.Context, files []host.PickedFile) {
	rm, ok := s.cfg.Files.(host.FileRemover)
	if !ok {
		return
	}
	ctx = context.WithoutCancel(ctx)
	for _, f := range files {
		if err := rm.Remove(ctx, f.Ref); err != nil {
			s.log.ErrorContext(ctx, "ocrepo: remove file of a failed import", "ref", f.Ref, "err", err)
		}
	}
}

func (s *Service) importOne(ctx context.Context, u host.User, req host.PickRequest, conn *cloud.Conn, acc Acceptor,
	prog *progress, p string) (host.PickedFile, error) {
	f, err := conn.Open(ctx, p, 0)
	if err != nil {
		return host.PickedFile{}, fmt.Errorf("service: open %q: %w", p, err)
	}
	defer f.Body.Close()
	name := SafeFileName(path.Base(p))
	size := f.Size
	if size >= 0 {
		if !acc.Refusal(name, f.ContentType, size).IsZero() {
			return host.PickedFile{}, refusalError(acc, name, f.ContentType, size)
		}
	} else if !acc.Refusal(name, f.ContentType, 0).IsZero() {
		return host.PickedFile{}, refusalError(acc, name, f.ContentType, 0)
	}
	r := &limitReader{r: f.Body, max: req.MaxBytes, announced: size, prog: prog}
	info := host.FileInfo{Name: name, ContentType: f.ContentType, Size: size, Modified: f.Modified,
		Course: req.Course, Context: req.Context, User: u}
	ref, err := s.cfg.Files.Store(ctx, info, bufferedReader{r})
	if r.err != nil {
		// The sink may have swallowed our error; the stream's failure decides, and whatever it kept goes.
		if err == nil {
			s.discard(ctx, []host.PickedFile{{Ref: ref}})
		}
		return host.PickedFile{}, r.err
	}
	if err != nil {
		return host.PickedFile{}, fmt.Errorf("service: the host's file store refused %q: %w", name, err)
	}
	if size >= 0 && r.n != size {
		s.discard(ctx, []host.PickedFile{{Ref: ref}})
		return host.PickedFile{}, fmt.Errorf("%w: %d of %d bytes", ErrSizeMismatch, r.n, size)
	}
	return host.PickedFile{Name: name, ContentType: f.ContentType, Size: r.n, Ref: ref}, nil
}

// bufferedReader hands the sink 1 MiB reads by way of io.WriterTo, whatever buffer the sink's own copy uses.
type bufferedReader struct{ r *limitReader }

func (b bufferedReader) Read(p []byte) (int, error) { return b.r.Read(p) }

// WriteTo copies with a 1 MiB buffer, or one the size of the file when the cloud announced a smaller size (at
// least minCopyBuffer): a class importing small files at once should not hold a megabyte each.
func (b bufferedReader) WriteTo(w io.Writer) (int64, error) {
	size := copyBuffer
	if a := b.r.announced; a >= 0 && a < copyBuffer {
		size = max(int(a), minCopyBuffer)
	}
	buf := make([]byte, size)
	var n int64
	for {
		k, rerr := b.r.Read(buf)
		if k > 0 {
			wk, werr := w.Write(buf[:k])
			n += int64(wk)
			if werr != nil {
				return n, werr
			}
			if wk != k {
				return n, io.ErrShortWrite
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// limitReader enforces the size limit while streaming, reports progress and stops on cancel. Its first error
// sticks: every later Read returns it.
type limitReader struct {
	r         io.Reader
	max       int64
	announced int64
	n         int64
	prog      *progress
	err       error
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	k, err := l.r.Read(p)
	l.n += int64(k)
	switch {
	case l.max > 0 && l.n > l.max:
		l.err = &Refusal{Err: ErrTooLarge, Reason: Msg("problem.refusal.stream_too_large", "Limit", Bytes(l.max))}
	case l.announced >= 0 && l.n > l.announced:
		l.err = fmt.Errorf("%w: more than the %d bytes announced", ErrSizeMismatch, l.announced)
	case err != nil && err != io.EOF:
		l.err = fmt.Errorf("service: download broke off after %s: %w", HumanBytes(l.n), err)
	}
	if l.err == nil && k > 0 {
		l.err = l.prog.add(int64(k))
	}
	if l.err != nil {
		return 0, l.err
	}
	if err == io.EOF && l.announced >= 0 && l.n < l.announced {
		l.err = fmt.Errorf("%w: %d of %d bytes", ErrSizeMismatch, l.n, l.announced)
		return 0, l.err
	}
	return k, err
}

// progress records an import's progress in the store now and then, and notices a cancel request.
type progress struct {
	s     *Service
	ctx   context.Context
	jobID string
	done  int64
	last  time.Time
}

func (p *progress) add(n int64) error {
	p.done += n
	p.s.metrics.importBytes.Add(float64(n))
	if err := p.ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrCancelled, err)
	}
	now := p.s.now()
	if now.Sub(p.last) < progressInterval {
		return nil
	}
	p.last = now
	job, err := p.s.store.UpdateImportProgress(p.ctx, p.jobID, p.done)
	if err != nil {
		p.s.log.WarnContext(p.ctx, "ocrepo: record import progress", "job", p.jobID, "err", err)
		return nil // progress is best effort; the import goes on
	}
	if job.Cancel {
		return ErrCancelled
	}
	return nil
}

// ImportStatus reports an import job to the user who started it.
func (s *Service) ImportStatus(ctx context.Context, u host.User, id string) (store.ImportJob, error) {
	j, err := s.store.GetImportJob(ctx, id)
	if err != nil {
		return store.ImportJob{}, fmt.Errorf("service: import %s: %w", id, err)
	}
	if j.UserID != u.ID {
		return store.ImportJob{}, fmt.Errorf("service: import %s: %w", id, store.ErrNotFound)
	}
	// A running job nobody has touched for a while died with its process.
	if j.State == store.ImportRunning && s.now().Sub(j.Updated) > 2*time.Minute+s.cfg.Timeout {
		j.State, j.Error = store.ImportFailed, StoreMessages(Msg("picker.import.stopped"))
	}
	return j, nil
}

// CancelImport asks a running import to stop; it stops at its next chunk, here or on another replica.
func (s *Service) CancelImport(ctx context.Context, u host.User, id string) error {
	if _, err := s.ImportStatus(ctx, u, id); err != nil {
		return err
	}
	if err := s.store.CancelImportJob(ctx, id); err != nil {
		return fmt.Errorf("service: cancel import %s: %w", id, err)
	}
	s.importsMu.Lock()
	if r, ok := s.imports[id]; ok {
		r.cancel()
	}
	s.importsMu.Unlock()
	return nil
}

// runningImport is an import this process is running.
type runningImport struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// AwaitImport waits until an import ends and returns its final record. A job running in this process is waited
// for directly; one running elsewhere (another replica) is polled in the store.
func (s *Service) AwaitImport(ctx context.Context, u host.User, id string) (store.ImportJob, error) {
	wait := 50 * time.Millisecond
	for {
		s.importsMu.Lock()
		r, local := s.imports[id]
		s.importsMu.Unlock()
		if local {
			select {
			case <-r.done:
			case <-ctx.Done():
				return store.ImportJob{}, ctx.Err()
			}
		}
		j, err := s.ImportStatus(ctx, u, id)
		if err != nil || j.State != store.ImportRunning {
			return j, err
		}
		if local {
			continue
		}
		if err := pause(ctx, wait); err != nil {
			return j, err
		}
		wait = min(2*wait, time.Second)
	}
}
