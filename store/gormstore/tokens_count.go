package gormstore

import (
	"context"
	"fmt"
)

// CountUserTokens counts the host users' tokens stored for an issuer; the system account's is not counted.
func (s *Store) CountUserTokens(ctx context.Context, issuerID int64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&tokenRow{}).Where("issuer_id = ? AND system = ?", issuerID, false).Count(&n).Error
	if err != nil {
		return 0, wrapErr(s.db, fmt.Sprintf("count issuer %d user tokens", issuerID), err)
	}
	return n, nil
}
