package api_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// chromium starts one headless Chromium for a test, phone-sized, and
// answers its context. Without Chromium the test is skipped on a
// developer machine and fails in CI (CI=true).
func chromium(t *testing.T, what string) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		msg := "chromium is not installed: " + what + " needs it (CI installs it: apt-get install chromium)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(390, 844), chromedp.Flag("headless", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	root, cancelRoot := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelRoot)
	if err := chromedp.Do(root); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return root
}

// tab is one browser tab of a (sub)test; its screenshots are named
// prefix-name.png in dir.
type tab struct {
	t           *testing.T
	ctx         context.Context
	dir, prefix string
}

// newTab opens a tab of the browser that gives up after timeout.
func newTab(t *testing.T, browser context.Context, dir, prefix string, timeout time.Duration) tab {
	t.Helper()
	tc, cancelTab := chromedp.NewContext(browser)
	ctx, cancel := context.WithTimeout(tc, timeout)
	t.Cleanup(func() { cancel(); cancelTab() })
	return tab{t: t, ctx: ctx, dir: dir, prefix: prefix}
}

func css(s string) chromedp.CSS { return chromedp.CSS(s) }

// shot screenshots the whole page at a viewport size.
func (b tab) shot(name string, w, h int64) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := chromedp.EmulateViewport(w, h, chromedp.EmulateScale(1))(ctx, tg); err != nil {
			return chromedp.Void{}, err
		}
		buf, err := chromedp.FullScreenshot(100)(ctx, tg)
		if err != nil {
			return chromedp.Void{}, err
		}
		p := filepath.Join(b.dir, b.prefix+"-"+name+".png")
		b.t.Logf("screenshot %s", p)
		return chromedp.Void{}, os.WriteFile(p, buf, 0o644)
	}
}

// text reads the text of the first element sel matches into dst.
func (b tab) text(sel string, dst *string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		v, err := chromedp.Text(css(sel))(ctx, tg)
		*dst = v
		return chromedp.Void{}, err
	}
}

// at waits until the tab's location starts with prefix (a page of
// another site, or back on Cobro's).
func (b tab) at(prefix string) {
	b.t.Helper()
	last := ""
	for {
		loc, err := chromedp.Run(b.ctx, chromedp.Location())
		if err != nil {
			b.t.Fatalf("waiting for %s (at %s): %v", prefix, last, err)
		}
		if strings.HasPrefix(loc, prefix) {
			return
		}
		last = loc
		if err := chromedp.Do(b.ctx, chromedp.Sleep(100*time.Millisecond)); err != nil {
			b.t.Fatalf("waiting for %s (at %s): %v", prefix, last, err)
		}
	}
}

// browserEach runs fn on SQLite and, when COBRO_TEST_DATABASE_URL is set,
// PostgreSQL, one after the other (they share one browser).
func browserEach(t *testing.T, fn func(t *testing.T, dialect string)) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			if dialect == "postgres" && apitest.PostgresURL() == "" {
				t.Skip("COBRO_TEST_DATABASE_URL is not set: skipping the PostgreSQL half")
			}
			fn(t, dialect)
		})
	}
}
