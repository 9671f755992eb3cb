// Command autopress is the content-automation server and its admin tools:
//
//	autopress [serve]                    start the server (the default)
//	autopress migrate [status]           bring the schema up to date, or show its version
//	autopress create-admin --email E     create an instance admin with its own account
//	autopress create-token --email E --name N
//	                                     print a new API token for scripts
//	autopress version                    print the version
//
// Configuration comes from the environment; see the README.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	_ "time/tzdata" // IANA time zones on machines without /usr/share/zoneinfo
)

// version is set at build time: -ldflags "-X main.version=…".
var version = "dev"

const usage = `autopress — self-hosted content automation

Usage:
  autopress [command] [flags]

Commands:
  serve          start the web server and background jobs (default)
  migrate        apply pending database migrations
  migrate status print the database's schema version and the binary's
  create-admin   create an instance admin with its own account
                   --email E [--password P]  (a password is generated and
                   printed once when none is given; "-" reads it from stdin)
  create-token   print a new API token for a user (for scripts)
                   --email E --name N
  version        print the version

Configuration comes from environment variables (DATABASE_URL, LISTEN_ADDR,
DATA_DIR, BASE_URL, APP_SECRET, …); see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	// After the first signal, a second one kills the process at once.
	context.AfterFunc(ctx, stop)
	code := runMain(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// cli is what a command reads and writes; tests give it buffers.
type cli struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// runMain dispatches a command line and returns the exit status: 0 on
// success, 1 on failure, 2 on a usage error.
func runMain(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := cli{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	name := "serve"
	if len(args) > 0 {
		name, args = args[0], args[1:]
	}
	var err error
	switch name {
	case "serve":
		err = c.serve(ctx, args)
	case "migrate":
		err = c.migrate(ctx, args)
	case "create-admin":
		err = c.createAdmin(ctx, args)
	case "create-token":
		err = c.createToken(ctx, args)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "autopress %s (%s %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "autopress: unknown command %q\n\n%s", name, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "autopress %s: %v\n", name, err)
		return 1
	}
}

// errUsage marks a bad command line whose message was already printed.
var errUsage = errors.New("usage")

// flagSet returns a FlagSet for a command that prints its usage to stderr.
func (c cli) flagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "Usage: autopress %s\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, turning flag errors into errUsage (flag has printed
// them), and refuses more than maxArgs positional arguments.
func parse(fs *flag.FlagSet, args []string, maxArgs int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > maxArgs {
		fmt.Fprintf(fs.Output(), "autopress %s: unexpected argument %q\n", fs.Name(), fs.Arg(maxArgs))
		fs.Usage()
		return errUsage
	}
	return nil
}
