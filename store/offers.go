package store

import "context"

// InstanceOffer is an instance as the picker weighs it, read in one query: the instance, its issuer's revision,
// whether the course has it switched on, whether the issuer's system account is connected, and the user's own
// login at the issuer.
type InstanceOffer struct {
	Instance Instance
	// IssuerRevision is the issuer's Revision at the time of the read: a cached issuer with another revision is
	// stale.
	IssuerRevision int64
	// CourseEnabled is false only when a row for the course switches the instance off.
	CourseEnabled bool
	// SystemConnected is true when the issuer's system account holds an access or a refresh token.
	SystemConnected bool
	// UserToken is the user's stored token at the instance's issuer, as GetToken would return it; nil when the
	// user has none (or no user was named).
	UserToken *Token
}

// InstanceOffers is implemented by stores that can read what a picker request needs about every instance at once
// (gormstore does). Instances whose issuer is gone are left out.
type InstanceOffers interface {
	// InstanceOffers returns every instance, in ID order, weighed for the course (which may be empty), with the
	// token of the host user userID (which may be empty) at each instance's issuer.
	InstanceOffers(ctx context.Context, course, userID string) ([]InstanceOffer, error)
}
