package system_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kehou/kehou/services/system"
	"github.com/kehou/kehou/services/system/systemtest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// testPKI writes a CA and a certificate it signed for 127.0.0.1 (server
// and client use) and returns the files' paths and the CA pool.
func testPKI(t *testing.T) (caFile, certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kehou test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kehou part"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pool = x509.NewCertPool()
	pool.AddCert(caCert)
	return write("ca.pem", "CERTIFICATE", caDER), write("part.pem", "CERTIFICATE", der), write("part.key", "EC PRIVATE KEY", keyDER), pool
}

// TestTLSAtTheGatewayAndBetweenParts: with the TLS flags set the gateway
// serves only HTTPS, the parts talk mutual TLS (a request through the
// gateway reaches every service), and a plaintext or certificate-less gRPC
// client is refused.
func TestTLSAtTheGatewayAndBetweenParts(t *testing.T) {
	t.Parallel()
	caFile, certFile, keyFile, pool := testPKI(t)
	env := systemtest.StartWith(t, func(c *system.Config) {
		c.TLS = system.TLS{HTTPCertFile: certFile, HTTPKeyFile: keyFile, GRPCCertFile: certFile, GRPCKeyFile: keyFile, GRPCCAFile: caFile}
	})
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}, Timeout: 10 * time.Second}
	https := systemtest.Client{Base: "https://" + env.Run.HTTPAddr}
	for _, path := range []string{"/readyz", "/v1/districts"} {
		req, err := http.NewRequest(http.MethodGet, https.Base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+env.Minter.Token(systemtest.OperatorPrincipal))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s over HTTPS: %v", path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s over HTTPS: %d, want 200 (every service answered over mutual TLS)", path, resp.StatusCode)
		}
		if resp.ProtoMajor != 2 {
			t.Errorf("GET %s over HTTPS spoke %s, want HTTP/2 (negotiated by ALPN)", path, resp.Proto)
		}
	}
	if resp, err := http.Get("http://" + env.Run.HTTPAddr + "/v1/districts"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("plain HTTP to the TLS gateway answered 200")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for name, creds := range map[string]credentials.TransportCredentials{
		"plaintext":                        insecure.NewCredentials(),
		"TLS without a client certificate": credentials.NewTLS(&tls.Config{RootCAs: pool}),
	} {
		conn, err := grpc.NewClient(env.Run.TimetableAddr, grpc.WithTransportCredentials(creds))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err == nil {
			t.Errorf("%s gRPC call to timetable succeeded, want it refused", name)
		}
		conn.Close()
	}
}

// TestGatewaySpeaksH2C: in clear the gateway answers HTTP/1.1 and HTTP/2
// with prior knowledge (h2c), as a proxy in front or the load command uses.
func TestGatewaySpeaksH2C(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	var h2 http.Protocols
	h2.SetUnencryptedHTTP2(true)
	for proto, tr := range map[int]*http.Transport{1: {}, 2: {Protocols: &h2}} {
		resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get("http://" + env.Run.HTTPAddr + "/readyz")
		if err != nil {
			t.Fatalf("HTTP/%d: %v", proto, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.ProtoMajor != proto {
			t.Errorf("HTTP/%d: %d over %s", proto, resp.StatusCode, resp.Proto)
		}
	}
}

// TestAnswersSayTheirLength: a unary answer is sent whole with its
// Content-Length (one write), not in chunks, and the length is the body's.
func TestAnswersSayTheirLength(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	// Past 2 KB, where net/http would otherwise switch to chunks.
	for i := range 12 {
		env.MustDo(t, "POST", "/v1/districts", map[string]any{"district_id": fmt.Sprintf("7712%02d", i), "name": "长度区",
			"policy": map[string]any{"off_work_time": map[string]any{"hours": 17, "minutes": 30}, "min_minutes_per_day": 120,
				"service_days_per_week": 5, "period_minutes_primary": 40, "period_minutes_junior_middle": 45}})
	}
	req, err := http.NewRequest("GET", "http://"+env.Run.HTTPAddr+"/v1/districts", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+env.Minter.Token(systemtest.OperatorPrincipal))
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(body) <= 2048 {
		t.Fatalf("the answer is only %d bytes; the test needs one past 2 KB", len(body))
	}
	if resp.StatusCode != http.StatusOK || len(resp.TransferEncoding) > 0 || resp.ContentLength != int64(len(body)) {
		t.Errorf("status %d, transfer encoding %v, Content-Length %d for a body of %d bytes", resp.StatusCode, resp.TransferEncoding, resp.ContentLength, len(body))
	}
}
