package database

import (
	"io"
	"sync"

	vtlog "github.com/dolthub/vitess/go/vt/log"
	"github.com/sirupsen/logrus"
)

var quietOnce sync.Once

// quietGMSLogs sends the embedded server's logs away from the terminal, where
// they would tear the TUI: GMS logs every connection through logrus's global
// logger, and its wire layer (vitess) reports dropped clients through the
// standard log package via function variables. Both are process-wide, so this
// is done once, on the first start, and never undone; nothing else in the
// program logs through either.
func quietGMSLogs() {
	quietOnce.Do(func() {
		logrus.SetOutput(io.Discard)
		discard := func(...any) {}
		discardf := func(string, ...any) {}
		vtlog.Info, vtlog.Warning, vtlog.Error = discard, discard, discard
		vtlog.Infof, vtlog.Warningf, vtlog.Errorf = discardf, discardf, discardf
	})
}
