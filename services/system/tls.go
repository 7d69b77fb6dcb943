package system

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// TLS turns on TLS at the gateway and between the parts, each optional.
// The zero value is plaintext everywhere, fine on one host or a private
// network; across hosts set the gRPC files so no call travels in clear.
type TLS struct {
	// HTTPCertFile and HTTPKeyFile make the gateway serve HTTPS.
	HTTPCertFile, HTTPKeyFile string
	// GRPCCertFile and GRPCKeyFile are this process's certificate: its gRPC
	// listeners serve TLS with it, and it is the client certificate its
	// calls to other parts present.
	GRPCCertFile, GRPCKeyFile string
	// GRPCCAFile is the CA that signs the parts' certificates: calls verify
	// the part they dial against it, and listeners with a certificate then
	// require a client certificate it signed (mutual TLS).
	GRPCCAFile string
}

// validate reports a half-configured pair.
func (t TLS) validate() error {
	if (t.HTTPCertFile == "") != (t.HTTPKeyFile == "") {
		return errors.New("tls: the gateway needs both a certificate and a key file")
	}
	if (t.GRPCCertFile == "") != (t.GRPCKeyFile == "") {
		return errors.New("tls: gRPC needs both a certificate and a key file")
	}
	return nil
}

func (t TLS) caPool() (*x509.CertPool, error) {
	if t.GRPCCAFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(t.GRPCCAFile)
	if err != nil {
		return nil, fmt.Errorf("tls: read CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("tls: %s holds no PEM certificate", t.GRPCCAFile)
	}
	return pool, nil
}

// serverCreds are the gRPC listeners' credentials, nil for plaintext.
func (t TLS) serverCreds() (credentials.TransportCredentials, error) {
	if t.GRPCCertFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(t.GRPCCertFile, t.GRPCKeyFile)
	if err != nil {
		return nil, fmt.Errorf("tls: load gRPC certificate: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	pool, err := t.caPool()
	if err != nil {
		return nil, err
	}
	if pool != nil {
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return credentials.NewTLS(cfg), nil
}

// clientCreds are the credentials of calls to other parts: TLS verified
// against the CA (presenting this process's certificate when it has one),
// else plaintext.
func (t TLS) clientCreds() (credentials.TransportCredentials, error) {
	pool, err := t.caPool()
	if err != nil || pool == nil {
		return insecure.NewCredentials(), err
	}
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if t.GRPCCertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.GRPCCertFile, t.GRPCKeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls: load gRPC certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return credentials.NewTLS(cfg), nil
}

// ClientCreds are the credentials a tool in this process (the demo loader)
// dials the parts with, the same as the parts use between themselves.
func (r *Running) ClientCreds() credentials.TransportCredentials { return r.clientCreds }
