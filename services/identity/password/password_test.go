package password

import (
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	t.Parallel()
	h, err := Hash("correct horse 1", Fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q does not record its parameters", h)
	}
	h2, _ := Hash("correct horse 1", Fast)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	tests := []struct {
		give      string
		want      Params
		wantOK    bool
		wantStale bool
	}{
		{give: "correct horse 1", want: Fast, wantOK: true},
		{give: "correct horse 2", want: Fast, wantOK: false},
		{give: "", want: Fast, wantOK: false},
		{give: "correct horse 1", want: Default, wantOK: true, wantStale: true},
	}
	for _, tt := range tests {
		ok, stale, err := Verify(tt.give, h, tt.want)
		if err != nil || ok != tt.wantOK || stale != tt.wantStale {
			t.Errorf("Verify(%q) = %v, %v, %v; want %v, %v, nil", tt.give, ok, stale, err, tt.wantOK, tt.wantStale)
		}
	}
}

func TestVerifyRejectsMalformed(t *testing.T) {
	t.Parallel()
	for _, give := range []string{"", "plain", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=1024,t=1,p=1$!!$a2V5a2V5a2V5a2V5a2V5a2V5"} {
		if _, _, err := Verify("x", give, Fast); err == nil {
			t.Errorf("Verify accepted malformed hash %q", give)
		}
	}
}
