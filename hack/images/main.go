// Command imgbuild writes a container image as a tarball that
// `ctr -n k8s.io images import` loads, in the spirit of ko: no Dockerfile,
// no Docker engine, no registry. The image is linux/amd64 (or GOARCH) with
// up to two kinds of layers, in this order:
//
//   - -layer FILE: a ready-made (uncompressed) tar of a root file system,
//     e.g. from debootstrap, packed with `tar --numeric-owner`;
//   - -file SRC:DST[:MODE]: files copied from the host into one layer, with
//     their parent directories, owned by root, dated 1970 so the layer is
//     reproducible.
//
// Usage:
//
//	imgbuild -ref localhost/chat-operator/manager:dev-1 -out manager.tar \
//	    -file bin/manager:/manager -entrypoint /manager -user 65532
//
// It prints the image's digest.
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var layers, files, env, entrypoint, cmd, ports list
	ref := flag.String("ref", "", "image reference, e.g. localhost/chat-operator/manager:dev-1 (required)")
	out := flag.String("out", "", "output tarball (required)")
	user := flag.String("user", "", "image USER, e.g. 65532 or 999:999")
	workdir := flag.String("workdir", "", "image WORKDIR")
	flag.Var(&layers, "layer", "an uncompressed tar to add as a layer (repeatable)")
	flag.Var(&files, "file", "SRC:DST[:MODE] host file copied into the image (repeatable; MODE octal, default 0755)")
	flag.Var(&env, "env", "K=V environment variable (repeatable)")
	flag.Var(&entrypoint, "entrypoint", "entrypoint argument (repeatable, in order)")
	flag.Var(&cmd, "cmd", "cmd argument (repeatable, in order)")
	flag.Var(&ports, "port", "exposed TCP port (repeatable)")
	flag.Parse()
	if *ref == "" || *out == "" || len(layers)+len(files) == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*ref, *out, *user, *workdir, layers, files, env, entrypoint, cmd, ports); err != nil {
		fmt.Fprintln(os.Stderr, "imgbuild:", err)
		os.Exit(1)
	}
}

func run(ref, out, user, workdir string, layers, files, env, entrypoint, cmd, ports []string) error {
	tag, err := name.NewTag(ref)
	if err != nil {
		return err
	}
	var ls []v1.Layer
	for _, f := range layers {
		l, err := tarball.LayerFromFile(f)
		if err != nil {
			return fmt.Errorf("layer %s: %w", f, err)
		}
		ls = append(ls, l)
	}
	if len(files) > 0 {
		data, err := filesLayer(files)
		if err != nil {
			return err
		}
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		})
		if err != nil {
			return err
		}
		ls = append(ls, l)
	}
	img, err := mutate.AppendLayers(empty.Image, ls...)
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	cf.Created = v1.Time{Time: time.Unix(0, 0).UTC()}
	cf.Config.Entrypoint = entrypoint
	cf.Config.Cmd = cmd
	cf.Config.User = user
	cf.Config.WorkingDir = workdir
	if !hasKey(env, "PATH") {
		env = append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, env...)
	}
	cf.Config.Env = env
	if len(ports) > 0 {
		cf.Config.ExposedPorts = map[string]struct{}{}
		for _, p := range ports {
			cf.Config.ExposedPorts[p+"/tcp"] = struct{}{}
		}
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return err
	}
	tmp := out + ".tmp"
	if err := tarball.WriteToFile(tmp, tag, img); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	d, err := img.Digest()
	if err != nil {
		return err
	}
	fmt.Println(d)
	return nil
}

func hasKey(env []string, k string) bool {
	for _, e := range env {
		if strings.HasPrefix(e, k+"=") {
			return true
		}
	}
	return false
}

// filesLayer is a tar of the -file entries and their parent directories,
// plus /tmp, owned by root and dated 1970.
func filesLayer(specs []string) ([]byte, error) {
	type entry struct {
		src, dst string
		mode     int64
	}
	var entries []entry
	dirs := map[string]bool{"tmp": true}
	for _, s := range specs {
		parts := strings.Split(s, ":")
		if len(parts) < 2 || len(parts) > 3 || !strings.HasPrefix(parts[1], "/") {
			return nil, fmt.Errorf("-file %q: want SRC:/DST[:MODE]", s)
		}
		e := entry{src: parts[0], dst: strings.TrimPrefix(path.Clean(parts[1]), "/"), mode: 0o755}
		if len(parts) == 3 {
			m, err := strconv.ParseInt(parts[2], 8, 32)
			if err != nil {
				return nil, fmt.Errorf("-file %q: mode: %w", s, err)
			}
			e.mode = m
		}
		for d := path.Dir(e.dst); d != "." && d != "/"; d = path.Dir(d) {
			dirs[d] = true
		}
		entries = append(entries, e)
	}
	var names []string
	for d := range dirs {
		names = append(names, d)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0)
	for _, d := range names {
		mode := int64(0o755)
		if d == "tmp" {
			mode = 0o1777
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: mode, ModTime: epoch}); err != nil {
			return nil, err
		}
	}
	for _, e := range entries {
		data, err := os.ReadFile(e.src)
		if err != nil {
			return nil, err
		}
		h := &tar.Header{Typeflag: tar.TypeReg, Name: e.dst, Mode: e.mode, Size: int64(len(data)), ModTime: epoch}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
