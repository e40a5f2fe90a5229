package loopback

import (
	"context"
	"testing"
)

func TestListenPrefersThePortAndFallsBack(t *testing.T) {
	ctx := context.Background()
	first, err := Listen(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	port := Port(first.Addr())
	if port == 0 {
		t.Fatalf("no port in %v", first.Addr())
	}
	// Busy: another port, no error.
	other, err := Listen(ctx, port)
	if err != nil {
		t.Fatal(err)
	}
	if Port(other.Addr()) == port {
		t.Fatal("listened twice on one port")
	}
	other.Close()
	// Free again: the same port.
	first.Close()
	again, err := Listen(ctx, port)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if got := Port(again.Addr()); got != port {
		t.Errorf("port %d, want the preferred %d", got, port)
	}
}
