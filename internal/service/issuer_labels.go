package service

import (
	"context"
	"fmt"
)

// IssuerLabel names one issuer, for pages that label or filter rows by their cloud.
type IssuerLabel struct {
	ID   int64
	Name string
}

// IssuerLabels returns every issuer's ID and name, ordered by ID.
func (s *Service) IssuerLabels(ctx context.Context) ([]IssuerLabel, error) {
	all, err := s.store.ListIssuers(ctx)
	if err != nil {
		return nil, fmt.Errorf("service: list issuers: %w", err)
	}
	out := make([]IssuerLabel, 0, len(all))
	for _, iss := range all {
		out = append(out, IssuerLabel{ID: iss.ID, Name: iss.Name})
	}
	return out, nil
}

// IssuerName returns one issuer's name.
func (s *Service) IssuerName(ctx context.Context, id int64) (string, error) {
	iss, err := s.store.GetIssuer(ctx, id)
	if err != nil {
		return "", fmt.Errorf("service: issuer %d: %w", id, err)
	}
	return iss.Name, nil
}
