package bastion

import (
	"net"
	"testing"
)

func TestRouteToItselfIsRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	b := &Bastion{ln: ln, o: Options{Routes: map[string]string{
		"self.internal:22": ln.Addr().String(),
		"db.internal:3306": "127.0.0.1:41234",
	}}}
	if real, ok := b.route("self.internal:22"); ok {
		t.Errorf("route to the bastion itself allowed (-> %s)", real)
	}
	if real, ok := b.route("db.internal:3306"); !ok || real != "127.0.0.1:41234" {
		t.Errorf("allowed route: %q, %v", real, ok)
	}
	if _, ok := b.route("127.0.0.1:41234"); ok {
		t.Error("the real address behind a name is reachable directly")
	}
}
