package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kehou/kehou/services/identity/app"
	"github.com/kehou/kehou/services/identity/domain/account"
	"github.com/kehou/kehou/services/identity/password"
	"github.com/kehou/kehou/services/identity/store"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/auth/token"
	"github.com/kehou/kehou/services/platform/pgtest"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// setup returns the use cases over a fresh database with a fake clock and
// a bureau administrator able to create accounts.
func setup(t *testing.T) (*app.App, *clock, context.Context) {
	t.Helper()
	clk := &clock{now: time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)}
	pem, err := token.NewPrivateKeyPEM("k1")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := token.LoadKeys("", string(pem), "")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := token.NewSigner(keys, 15*time.Minute, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(store.New(pgtest.Pool(t)), signer, app.Config{Hashing: password.Fast, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{AccountID: "acc_b", Role: auth.RoleBureauAdmin, DistrictID: "350402"})
	return a, clk, ctx
}

func createAdmin(t *testing.T, a *app.App, ctx context.Context, name string) {
	t.Helper()
	if _, err := a.CreateAccount(ctx, account.Account{DistrictID: "350402", Role: auth.RoleSchoolAdmin, UserName: name,
		DisplayName: name, SchoolID: "sch_a"}, "one-time-pass-1"); err != nil {
		t.Fatal(err)
	}
}

// TestTwentyWrongPasswords: the first four wrong passwords cost nothing;
// the fifth and every one after locks the account for 30 s; the twentieth
// for 30 minutes. While locked even the right password is refused (and does
// not count); after the lock it signs in and the count starts again.
func TestTwentyWrongPasswords(t *testing.T) {
	t.Parallel()
	a, clk, ctx := setup(t)
	createAdmin(t, a, ctx, "admin.a")
	for i := 1; i <= account.LockoutFailures; i++ {
		if _, err := a.SignIn(ctx, "admin.a", fmt.Sprintf("wrong-pass-%d", i), ""); !errors.Is(err, app.ErrBadCredentials) {
			t.Fatalf("wrong password %d: %v, want ErrBadCredentials", i, err)
		}
		if i < account.FreeFailures {
			continue // no lock: the next wrong password is checked at once
		}
		if _, err := a.SignIn(ctx, "admin.a", "one-time-pass-1", ""); !errors.Is(err, app.ErrThrottled) {
			t.Fatalf("right password just after wrong password %d: %v, want ErrThrottled", i, err)
		}
		clk.Advance(account.ShortLock + time.Second)
	}
	// The 20th failure locked it for LongLock: 31 s later it is still locked.
	if _, err := a.SignIn(ctx, "admin.a", "one-time-pass-1", ""); !errors.Is(err, app.ErrThrottled) {
		t.Fatalf("31 s after the 20th failure: %v, want ErrThrottled", err)
	}
	clk.Advance(account.LongLock)
	r, err := a.SignIn(ctx, "admin.a", "one-time-pass-1", "")
	if err != nil || !r.MustChangePassword {
		t.Fatalf("after the long lock: %+v, %v; want the one-time password accepted", r, err)
	}
	// The count started again: four wrong passwords do not lock.
	for i := 1; i < account.FreeFailures; i++ {
		if _, err := a.SignIn(ctx, "admin.a", "wrong-again-1", ""); !errors.Is(err, app.ErrBadCredentials) {
			t.Fatalf("wrong password %d after a success: %v", i, err)
		}
	}
	if _, err := a.SignIn(ctx, "admin.a", "one-time-pass-1", ""); err != nil {
		t.Fatalf("four failures after a reset locked the account: %v", err)
	}
}

// TestPasswordSpray: one address trying one password on many accounts is
// blocked after SprayAccounts logins, for every account and even with a
// right password, while other addresses still sign in.
func TestPasswordSpray(t *testing.T) {
	t.Parallel()
	a, clk, ctx := setup(t)
	for i := range app.SprayAccounts {
		createAdmin(t, a, ctx, fmt.Sprintf("admin.%02d", i))
	}
	const sprayer, other = "203.0.113.9", "198.51.100.7"
	for i := range app.SprayAccounts {
		_, err := a.SignIn(ctx, fmt.Sprintf("admin.%02d", i), "Summer2026!", sprayer)
		if !errors.Is(err, app.ErrBadCredentials) {
			t.Fatalf("spray attempt %d: %v, want ErrBadCredentials", i, err)
		}
	}
	if _, err := a.SignIn(ctx, "admin.00", "one-time-pass-1", sprayer); !errors.Is(err, app.ErrThrottled) {
		t.Fatalf("the spraying address with a right password: %v, want ErrThrottled", err)
	}
	if _, err := a.SignIn(ctx, "nobody.at.all", "x", sprayer); !errors.Is(err, app.ErrThrottled) {
		t.Fatalf("the spraying address on an unknown login: %v, want ErrThrottled", err)
	}
	if _, err := a.SignIn(ctx, "admin.00", "one-time-pass-1", other); err != nil {
		t.Fatalf("another address: %v", err)
	}
	clk.Advance(app.SprayBlock + time.Second)
	if _, err := a.SignIn(ctx, "admin.01", "one-time-pass-1", sprayer); err != nil {
		t.Fatalf("after the block: %v", err)
	}
	// Fewer logins than the threshold from one address never block it.
	for i := range app.SprayAccounts - 1 {
		_, _ = a.SignIn(ctx, fmt.Sprintf("ghost.%02d", i), "x", "192.0.2.1")
	}
	if _, err := a.SignIn(ctx, "admin.02", "one-time-pass-1", "192.0.2.1"); err != nil {
		t.Fatalf("%d failed logins blocked the address: %v", app.SprayAccounts-1, err)
	}
}
