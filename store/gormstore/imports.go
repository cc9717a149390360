package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ocrepo/ocrepo/store"
)

type importJobRow struct {
	ID         string `gorm:"column:id;primaryKey"`
	UserID     string `gorm:"column:user_id"`
	InstanceID int64  `gorm:"column:instance_id"`
	Name       string `gorm:"column:name"`
	Total      int64  `gorm:"column:total"`
	Done       int64  `gorm:"column:done"`
	State      string `gorm:"column:state"`
	Cancel     bool   `gorm:"column:cancel"`
	Error      string `gorm:"column:error"`
	ResultID   string `gorm:"column:result_id"`
	Created    dbTime `gorm:"column:created"`
	Updated    dbTime `gorm:"column:updated"`
}

func (importJobRow) TableName() string { return "ocrepo_import_jobs" }

const importJobColumns = "id, user_id, instance_id, name, total, done, state, cancel, error, result_id, created, updated"

func (r importJobRow) job() store.ImportJob {
	return store.ImportJob{
		ID:         r.ID,
		UserID:     r.UserID,
		InstanceID: r.InstanceID,
		Name:       r.Name,
		Total:      r.Total,
		Done:       r.Done,
		State:      store.ImportState(r.State),
		Cancel:     r.Cancel,
		Error:      r.Error,
		ResultID:   r.ResultID,
		Created:    r.Created.Time,
		Updated:    r.Updated.Time,
	}
}

// CreateImportJob stores a new job. An empty State becomes store.ImportRunning; Created is kept when set, else now;
// Updated is now. An ID taken gives store.ErrDuplicate.
func (s *Store) CreateImportJob(ctx context.Context, j store.ImportJob) error {
	if j.ID == "" {
		return errors.New("gormstore: create import job: empty ID")
	}
	if j.State == "" {
		j.State = store.ImportRunning
	}
	t := s.now()
	created := normTime(j.Created)
	if created.IsZero() {
		created = t
	}
	row := importJobRow{
		ID:         j.ID,
		UserID:     j.UserID,
		InstanceID: j.InstanceID,
		Name:       j.Name,
		Total:      j.Total,
		Done:       j.Done,
		State:      string(j.State),
		Cancel:     j.Cancel,
		Error:      j.Error,
		ResultID:   j.ResultID,
		Created:    timeOf(created),
		Updated:    timeOf(t),
	}
	if err := s.db.WithContext(bounded(ctx)).Create(&row).Error; err != nil {
		return wrapErr(s.db, "create import job", err)
	}
	return nil
}

// GetImportJob returns one job. It is the status poll's read, scanned column by column without GORM's
// reflection.
func (s *Store) GetImportJob(ctx context.Context, id string) (store.ImportJob, error) {
	sqlRows, err := s.db.WithContext(bounded(ctx)).Raw("SELECT "+importJobColumns+" FROM ocrepo_import_jobs WHERE id = ?", id).Rows()
	var rows []importJobRow
	if err == nil {
		rows, err = scanImportJobs(sqlRows)
	}
	if err != nil {
		return store.ImportJob{}, wrapErr(s.db, "get import job", err)
	}
	if len(rows) == 0 {
		return store.ImportJob{}, notFound("get import job")
	}
	return rows[0].job(), nil
}

// scanImportJobs reads rows of importJobColumns, in that order, and closes rows.
func scanImportJobs(rows *sql.Rows) ([]importJobRow, error) {
	defer rows.Close()
	var out []importJobRow
	for rows.Next() {
		var r importJobRow
		if err := rows.Scan(&r.ID, &r.UserID, &r.InstanceID, &r.Name, &r.Total, &r.Done, &r.State, &r.Cancel, &r.Error,
			&r.ResultID, &r.Created, &r.Updated); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// UpdateImportProgress records done bytes and returns the job as it now stands, Cancel included.
func (s *Store) UpdateImportProgress(ctx context.Context, id string, done int64) (store.ImportJob, error) {
	if s.dialect == dialectMySQL {
		return s.updateImportProgressMySQL(ctx, id, done)
	}
	var rows []importJobRow
	err := s.db.WithContext(bounded(ctx)).Raw("UPDATE ocrepo_import_jobs SET done = ?, updated = ? WHERE id = ? RETURNING "+importJobColumns,
		done, timeOf(s.now()), id).Scan(&rows).Error
	if err != nil {
		return store.ImportJob{}, wrapErr(s.db, "update import progress", err)
	}
	if len(rows) == 0 {
		return store.ImportJob{}, notFound("update import progress")
	}
	return rows[0].job(), nil
}

// FinishImportJob sets a final state (done, failed or cancelled; anything else is an error) with its error text
// and result.
func (s *Store) FinishImportJob(ctx context.Context, id string, state store.ImportState, errText, resultID string) error {
	switch state {
	case store.ImportDone, store.ImportFailed, store.ImportCancelled:
	default:
		return fmt.Errorf("gormstore: finish import job: %q is not a final state", state)
	}
	return s.updateImportJob(ctx, "finish import job", id, map[string]any{
		"state":     string(state),
		"error":     errText,
		"result_id": resultID,
	})
}

// CompleteImportJob implements store.ImportJobCompleter: the done bytes and the final state in one statement.
func (s *Store) CompleteImportJob(ctx context.Context, id string, done int64, state store.ImportState, errText, resultID string) error {
	switch state {
	case store.ImportDone, store.ImportFailed, store.ImportCancelled:
	default:
		return fmt.Errorf("gormstore: complete import job: %q is not a final state", state)
	}
	return s.updateImportJob(ctx, "complete import job", id, map[string]any{
		"done":      done,
		"state":     string(state),
		"error":     errText,
		"result_id": resultID,
	})
}

// CancelImportJob asks the job's worker to stop: the next UpdateImportProgress returns Cancel set.
func (s *Store) CancelImportJob(ctx context.Context, id string) error {
	return s.updateImportJob(ctx, "cancel import job", id, map[string]any{"cancel": true})
}

func (s *Store) updateImportJob(ctx context.Context, op, id string, set map[string]any) error {
	set["updated"] = timeOf(s.now())
	res := s.db.WithContext(bounded(ctx)).Model(&importJobRow{}).Where("id = ?", id).Updates(set)
	if res.Error != nil {
		return wrapErr(s.db, op, res.Error)
	}
	if res.RowsAffected == 0 {
		return notFound(op)
	}
	return nil
}

// DeleteImportJobsBefore removes the jobs last updated before t (finished ones, and running ones whose worker
// stopped reporting), and returns how many.
func (s *Store) DeleteImportJobsBefore(ctx context.Context, t time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("updated < ?", timeOf(t)).Delete(&importJobRow{})
	if res.Error != nil {
		return 0, wrapErr(s.db, "delete import jobs", res.Error)
	}
	return res.RowsAffected, nil
}

// CountRunningImports counts a user's running jobs updated within the last stale, by the clock that stamps them.
func (s *Store) CountRunningImports(ctx context.Context, userID string, stale time.Duration) (int64, error) {
	var n int64
	err := s.db.WithContext(bounded(ctx)).Model(&importJobRow{}).
		Where("user_id = ? AND state = ? AND updated > ?", userID, string(store.ImportRunning), timeOf(s.now().Add(-stale))).
		Count(&n).Error
	if err != nil {
		return 0, wrapErr(s.db, "count running imports", err)
	}
	return n, nil
}

// importUsageSQL is ImportUsage's statement. Both of its reads are answered from indexes alone (step 11): without
// them each looks up every one of the user's rows, as many as their history of imports and unclaimed results.
const importUsageSQL = `SELECT
			(SELECT count(*) FROM ocrepo_import_jobs WHERE user_id = ? AND state = ? AND updated > ?),
			(SELECT COALESCE(SUM(bytes), 0) FROM ocrepo_pick_results WHERE user_id = ? AND claimed IS NULL)`

// ImportUsage implements store.ImportUsage: CountRunningImports and UnclaimedBytes in one statement.
func (s *Store) ImportUsage(ctx context.Context, userID string, stale time.Duration) (running, unclaimedBytes int64, err error) {
	err = s.db.WithContext(bounded(ctx)).Raw(importUsageSQL,
		userID, string(store.ImportRunning), timeOf(s.now().Add(-stale)), userID).Row().Scan(&running, &unclaimedBytes)
	if err != nil {
		return 0, 0, wrapErr(s.db, "import usage", err)
	}
	return running, unclaimedBytes, nil
}
