package main

import (
	"database/sql"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/rates"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// ratesImport is `cobro rates import FILE.csv --workspace acc_…`: a
// workspace's exchange rates from CSV lines date,from,to,rate, all or
// none (docs/operations.md#1-commands).
func (e *env) ratesImport(args []string) int {
	fs := e.flags("rates import")
	dbURL := e.dbFlag(fs)
	ws := fs.String("workspace", "", "workspace id (acc_…)")
	// the file comes first (or last, after the flags)
	file := ""
	switch {
	case len(args) > 0 && !strings.HasPrefix(args[0], "-"):
		file, args = args[0], args[1:]
	case len(args) > 0 && !strings.HasPrefix(args[len(args)-1], "-"):
		file, args = args[len(args)-1], args[:len(args)-1]
	}
	if code, ok := e.parse(fs, args); !ok {
		return code
	}
	if *ws == "" || file == "" {
		fmt.Fprintln(e.stderr, "usage: cobro rates import FILE.csv --workspace acc_… [--db URL]  (lines: date,from,to,rate)")
		return exitUsage
	}
	f, err := os.Open(file)
	if err != nil {
		return e.fail(err)
	}
	defer f.Close()
	list, err := rates.ParseCSV(f)
	if err != nil {
		return e.fail(fmt.Errorf("%s: %w", file, err))
	}
	db, err := e.open(*dbURL)
	if err != nil {
		return e.fail(err)
	}
	defer db.Close()
	if _, err := workspace.ByID(e.ctx, db, *ws); err != nil {
		return e.fail(fmt.Errorf("workspace %s: %w", *ws, err))
	}
	now := time.Now()
	err = db.InTx(e.ctx, func(tx *sql.Tx) error {
		for _, r := range list {
			if _, err := rates.Save(e.ctx, tx, *ws, r, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return e.fail(err)
	}
	fmt.Fprintf(e.stdout, "imported: %d rates\n", len(list))
	return exitOK
}
