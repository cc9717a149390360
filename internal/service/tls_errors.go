package service

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
)

// CertificateUntrusted reports whether err is a TLS handshake that failed on the server's certificate (an unknown
// authority, another host's name, an expired or otherwise invalid certificate).
func CertificateUntrusted(err error) bool {
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var verifyErr *tls.CertificateVerificationError
	return errors.As(err, &verifyErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr) || errors.As(err, &invalidCert)
}

// NotTLS reports whether err is a TLS handshake that got an answer in something else (plain HTTP on an https URL).
func NotTLS(err error) bool {
	var recordErr tls.RecordHeaderError
	return errors.As(err, &recordErr)
}
