package vm

import (
	"bytes"
	"encoding/hex"
	"slices"
	"testing"

	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/runtime"
)

// slot is a SetSlot a case makes after the static wiring.
type slot struct {
	array string
	index uint32
	prog  string
}

// objCase runs one program of the test objects as testdata/objs/README.md
// describes it: expected results from the README, checked against the
// kernel; the test also compares every result with the kernel's where
// bpf(2) is available.
type objCase struct {
	name   string
	objs   []string
	prog   string
	input  []byte // nil: 64 zero bytes
	ctx    []byte
	repeat int
	runs   int // runs in a row on one collection; the last one is checked
	slots  []slot

	retval uint32
	// out, if set, is expected at byte outAt of the output packet.
	out   []byte
	outAt int
	trace []string
	// volatile names maps whose contents differ from run to run (times,
	// random numbers, process ids), left out of the kernel comparison.
	volatile []string
	// noKernel says why the kernel cannot run the case.
	noKernel string
}

func zeros(n int) []byte { return make([]byte, n) }

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// filled returns n bytes, each b.
func filled(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

// ipv4 returns a 64-byte Ethernet frame with an IPv4 header of protocol.
func ipv4(proto byte) []byte {
	p := zeros(64)
	p[12], p[13] = 0x08, 0x00
	p[14] = 0x45
	p[23] = proto
	return p
}

// udpPacket is a valid Ethernet/IPv4/UDP packet with correct checksums:
// 172.16.0.2:1234 to 172.16.0.1:9999, 8 bytes of payload.
var udpPacket = unhex("000000000002000000000001080045000024000100004011c2c4ac100002ac10000104d2270f0010a5fa68656c6c6f21212100000000000000000000000000000000000000")

func skbCtx(mark uint32) []byte {
	b := zeros(192)
	ne.PutUint32(b[8:], mark)
	return b
}

var objCases = []objCase{
	{name: "xdp_pass", objs: []string{"multi.bpf.o"}, retval: 2},
	{name: "xdp_short_drop", objs: []string{"multi.bpf.o"}, retval: 2},
	{name: "xdp_short_drop/59", objs: []string{"multi.bpf.o"}, prog: "xdp_short_drop", input: zeros(59), retval: 1},
	{name: "tc_len", objs: []string{"multi.bpf.o"}, retval: 20},
	{name: "cls_len", objs: []string{"multi.bpf.o"}, retval: 102},
	{name: "sock_keep", objs: []string{"multi.bpf.o"}, retval: 50},
	{name: "raw_args", objs: []string{"multi.bpf.o"}, ctx: zeros(64), retval: 7},
	{name: "raw_args/arg", objs: []string{"multi.bpf.o"}, prog: "raw_args", ctx: append(zeros(8), append([]byte{5}, zeros(55)...)...), retval: 12},
	{name: "kprobe_nanosleep", objs: []string{"multi.bpf.o"}, ctx: zeros(64), retval: 0, noKernel: "the kernel cannot test-run kprobe programs"},

	{name: "calls_tc", objs: []string{"calls.bpf.o"}, retval: 393},
	{name: "calls_xdp", objs: []string{"calls.bpf.o"}, retval: 16},
	{name: "calls_deep", objs: []string{"calls.bpf.o"}, retval: 57},
	{name: "calls_tc/nobtf", objs: []string{"calls.nobtf.o"}, prog: "calls_tc", retval: 393},
	{name: "calls_deep/nobtf", objs: []string{"calls.nobtf.o"}, prog: "calls_deep", retval: 57},

	{name: "globals_sum", objs: []string{"globals.bpf.o"}, retval: 31},
	{name: "globals_print", objs: []string{"globals.bpf.o"}, retval: 0, trace: []string{"literal 7", "printk 3"}},
	{name: "globals_write", objs: []string{"globals.bpf.o"}, ctx: skbCtx(5), retval: 105},

	{name: "loop_const", objs: []string{"loops.bpf.o"}, retval: 496},
	{name: "loop_scan", objs: []string{"loops.bpf.o"}, retval: 64},
	{name: "loop_callback", objs: []string{"loops.bpf.o"}, retval: 10045},
	{name: "loop_early", objs: []string{"loops.bpf.o"}, retval: 6010},

	{name: "atomics", objs: []string{"atomics.bpf.o"}, retval: 7},
	{name: "v4_ops", objs: []string{"v4.bpf.o"}, retval: 0xfffeed4f},
	{name: "v4_pkt", objs: []string{"v4.bpf.o"}, retval: 0},
	{name: "v4_pkt/ff", objs: []string{"v4.bpf.o"}, prog: "v4_pkt", input: filled(64, 0xff), retval: 0xfffffffe},
	{name: "gotol_far", objs: []string{"gotol.bpf.o"}, retval: 1},
	{name: "gotol_far/1", objs: []string{"gotol.bpf.o"}, prog: "gotol_far", input: append([]byte{1}, zeros(63)...), retval: 40001},

	{name: "use_basic", objs: []string{"maps.bpf.o"}, runs: 2, retval: 36},
	{name: "use_nested", objs: []string{"maps.bpf.o"}, retval: 33},
	{name: "use_progs", objs: []string{"maps.bpf.o"}, retval: 10},
	{name: "use_progs/3", objs: []string{"maps.bpf.o"}, prog: "use_progs", ctx: skbCtx(3), retval: 13},
	{name: "use_progs/5", objs: []string{"maps.bpf.o"}, prog: "use_progs", ctx: skbCtx(5), retval: 0},
	{name: "use_streams", objs: []string{"maps.bpf.o"}, retval: 0xfffffffe},
	{name: "prog_a", objs: []string{"maps.bpf.o"}, retval: 10},
	{name: "prog_b", objs: []string{"maps.bpf.o"}, retval: 13},
	{name: "legacy_count", objs: []string{"legacy.bpf.o"}, retval: 1},
	{name: "legacy_count/wired", objs: []string{"legacy.bpf.o"}, prog: "legacy_count", slots: []slot{{"legacy_progs", 0, "legacy_target"}}, retval: 7},
	{name: "legacy_count/nobtf", objs: []string{"legacy.nobtf.o"}, prog: "legacy_count", retval: 1},
	{name: "legacy_target", objs: []string{"legacy.bpf.o"}, retval: 7},
	{name: "queue_ops", objs: []string{"queue.bpf.o"}, runs: 3, retval: 0},
	{name: "spin_count", objs: []string{"spinlock.bpf.o"}, runs: 3, retval: 3},
	{name: "each_array", objs: []string{"foreach.bpf.o"}, retval: 4460},
	{name: "each_stop", objs: []string{"foreach.bpf.o"}, retval: 2200},
	{name: "each_hash", objs: []string{"foreach.bpf.o"}, retval: 3900},
	{name: "ring_write", objs: []string{"events.bpf.o"}, retval: 7},
	{name: "ring_write/full", objs: []string{"events.bpf.o"}, prog: "ring_write", runs: 74, retval: 0},
	{name: "perf_write", objs: []string{"events.bpf.o"}, retval: 0xfffffffe},

	{name: "tail_const", objs: []string{"tailcall.bpf.o"}, retval: 1},
	{name: "tail_mark", objs: []string{"tailcall.bpf.o"}, retval: 100},
	{name: "tail_mark/1", objs: []string{"tailcall.bpf.o"}, prog: "tail_mark", ctx: skbCtx(1), retval: 1},
	{name: "tail_mark/2", objs: []string{"tailcall.bpf.o"}, prog: "tail_mark", ctx: skbCtx(2), retval: 2},
	{name: "tail_byte", objs: []string{"tailcall.bpf.o"}, retval: 101},
	{name: "tail_byte/2", objs: []string{"tailcall.bpf.o"}, prog: "tail_byte", input: append([]byte{2}, zeros(63)...), retval: 2},
	{name: "tail_from_sub", objs: []string{"tailcall.bpf.o"}, retval: 102},
	{name: "tail_from_sub/empty", objs: []string{"tailcall.bpf.o"}, prog: "tail_from_sub", slots: []slot{{"jmp_table", 2, ""}}, retval: 105},
	{name: "tail_empty", objs: []string{"tailcall.bpf.o"}, retval: 105},
	{name: "tail_oob", objs: []string{"tailcall.bpf.o"}, retval: 108},
	{name: "dispatch", objs: []string{"dispatch.bpf.o"}, retval: 98},
	{name: "dispatch/short", objs: []string{"dispatch.bpf.o"}, prog: "dispatch", input: zeros(33), retval: 97},
	{name: "dispatch/empty", objs: []string{"dispatch.bpf.o"}, prog: "dispatch", input: ipv4(6), retval: 99},
	{name: "dispatch/tcp", objs: []string{"dispatch.bpf.o"}, prog: "dispatch", input: ipv4(6), retval: 6,
		slots: []slot{{"proto_table", 1, "proto_icmp"}, {"proto_table", 6, "proto_tcp"}, {"proto_table", 17, "proto_udp"}}},
	{name: "dispatch/udp", objs: []string{"dispatch.bpf.o"}, prog: "dispatch", input: ipv4(17), retval: 17, runs: 2,
		slots: []slot{{"proto_table", 1, "proto_icmp"}, {"proto_table", 6, "proto_tcp"}, {"proto_table", 17, "proto_udp"}}},
	{name: "chain_global", objs: []string{"chain.bpf.o"}, retval: 34},
	{name: "chain_pkt", objs: []string{"chain.bpf.o"}, retval: 34, out: []byte{0x22}},
	{name: "chain_pkt/repeat", objs: []string{"chain.bpf.o"}, prog: "chain_pkt", repeat: 2, retval: 68, out: []byte{0x44}},
	{name: "chain_sub", objs: []string{"chain.bpf.o"}, retval: 35},

	{name: "skb_rw", objs: []string{"skb_helpers.bpf.o"}, retval: 0x04030201, out: []byte{1, 2, 3, 4}},
	{name: "skb_rw/repeat", objs: []string{"skb_helpers.bpf.o"}, prog: "skb_rw", repeat: 3, retval: 0x0c090603},
	{name: "skb_load_oob", objs: []string{"skb_helpers.bpf.o"}, retval: 0xfffffff2},
	{name: "skb_nat", objs: []string{"skb_helpers.bpf.o"}, retval: 0x3555, outAt: 22, out: unhex("00003555c0a800010a00000100000035000035200000")},
	{name: "skb_nat/udp", objs: []string{"skb_helpers.bpf.o"}, prog: "skb_nat", input: udpPacket, retval: 0x503e},
	{name: "skb_csum_diff", objs: []string{"skb_helpers.bpf.o"}, retval: 0x0604},
	{name: "skb_redirect", objs: []string{"skb_helpers.bpf.o"}, retval: 7},

	{name: "xdp_head_shrink", objs: []string{"xdp_helpers.bpf.o"}, input: seq(64), retval: 50, out: seq(64)[14:]},
	{name: "xdp_head_grow", objs: []string{"xdp_helpers.bpf.o"}, input: seq(64), retval: 68, out: append(unhex("deadbeef"), seq(64)...)},
	{name: "xdp_tail_shrink", objs: []string{"xdp_helpers.bpf.o"}, retval: 60},
	{name: "xdp_tail_grow", objs: []string{"xdp_helpers.bpf.o"}, input: seq(64), retval: 80, out: append(append(seq(64), zeros(15)...), 0x55)},
	{name: "xdp_redirect_if", objs: []string{"xdp_helpers.bpf.o"}, retval: 4},
	{name: "xdp_redirect_dev", objs: []string{"xdp_helpers.bpf.o"}, retval: 2},
	{name: "xdp_redirect_xsk", objs: []string{"xdp_helpers.bpf.o"}, retval: 1},

	{name: "misc_tc", objs: []string{"helpers.bpf.o"}, retval: 7, volatile: []string{".bss"}, trace: []string{"cpu 0"}},
	{name: "misc_pid", objs: []string{"helpers.bpf.o"}, ctx: zeros(64), retval: 1, volatile: []string{".bss"}},
	{name: "core_task", objs: []string{"core.bpf.o"}, ctx: zeros(64), retval: 7, volatile: []string{".bss"}},

	{name: "gp_first", objs: []string{"gcc_plain.gcc.o"}, retval: 389},
	{name: "gp_second", objs: []string{"gcc_plain.gcc.o"}, retval: 10},
	{name: "gcc_xdp", objs: []string{"gcc_legacy.gcc.o"}, retval: 78},
	{name: "gcc_sock", objs: []string{"gcc_legacy.gcc.o"}, retval: 64},
	{name: "gcc_tc", objs: []string{"gcc_btf.gcc.o"}, retval: 133},
	{name: "gcc_tc/again", objs: []string{"gcc_btf.gcc.o"}, prog: "gcc_tc", runs: 3, retval: 3},

	{name: "link_entry", objs: []string{"link_main.bpf.o", "link_lib.bpf.o"}, retval: 2152},
	{name: "link_entry/lib-first", objs: []string{"link_lib.bpf.o", "link_main.bpf.o"}, prog: "link_entry", retval: 2252},
	{name: "link_vars", objs: []string{"link_main.bpf.o", "link_lib.bpf.o"}, runs: 2, retval: 2070},
	{name: "link_map", objs: []string{"link_main.bpf.o", "link_lib.bpf.o"}, retval: 1077},
	{name: "lib_prog", objs: []string{"link_main.bpf.o", "link_lib.bpf.o"}, retval: 45},
	{name: "conflict_a_prog", objs: []string{"conflict_a.bpf.o"}, retval: 2},
	{name: "conflict_b_prog", objs: []string{"conflict_b.bpf.o"}, retval: 3},
}

// seq returns n bytes 0, 1, 2, ...
func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// runCase runs a case on c: wiring, then the runs.
func runCase(t *testing.T, c runtime.Collection, img *link.Image, oc objCase) *runtime.RunResult {
	t.Helper()
	wire(t, c, img)
	for _, s := range oc.slots {
		if err := c.SetSlot(s.array, s.index, s.prog); err != nil {
			t.Fatalf("%s: %v", c.Backend(), err)
		}
	}
	in := runtime.RunInput{Repeat: oc.repeat}
	p := img.Program(oc.prog)
	if p == nil {
		t.Fatalf("no program %s", oc.prog)
	}
	switch runtime.ContextKindOf(p.Type) {
	case runtime.ContextRaw:
		in.Context = oc.ctx
	default:
		in.Data, in.Context = oc.input, oc.ctx
		if in.Data == nil {
			in.Data = zeros(64)
		}
	}
	var res *runtime.RunResult
	for i := 0; i < max(oc.runs, 1); i++ {
		var err error
		if res, err = c.Run(oc.prog, in); err != nil {
			t.Fatalf("%s: run %d: %v", c.Backend(), i+1, err)
		}
	}
	return res
}

func TestObjects(t *testing.T) {
	for _, oc := range objCases {
		if oc.prog == "" {
			oc.prog = oc.name
		}
		t.Run(oc.name, func(t *testing.T) {
			img := linkObjects(t, oc.objs...)
			res := runCase(t, newVM(t, img), img, oc)
			if res.Retval != oc.retval {
				t.Errorf("retval %#x, want %#x", res.Retval, oc.retval)
			}
			if oc.out != nil && (len(res.Output) < oc.outAt+len(oc.out) || !bytes.Equal(res.Output[oc.outAt:oc.outAt+len(oc.out)], oc.out)) {
				t.Errorf("output %x, want %x at byte %d", res.Output, oc.out, oc.outAt)
			}
			if oc.trace != nil && !slices.Equal(res.Trace, oc.trace) {
				t.Errorf("trace %q, want %q", res.Trace, oc.trace)
			}
		})
	}
}

// TestObjectsKernel runs every case on the VM and in the kernel and
// compares return values, output packets, ctx_out and map contents.
func TestObjectsKernel(t *testing.T) {
	for _, oc := range objCases {
		if oc.prog == "" {
			oc.prog = oc.name
		}
		t.Run(oc.name, func(t *testing.T) {
			if oc.noKernel != "" {
				t.Skip(oc.noKernel)
			}
			img := linkObjects(t, oc.objs...)
			k := newKernel(t, img)
			want := runCase(t, k, img, oc)
			vm := newVM(t, img)
			got := runCase(t, vm, img, oc)
			if got.Retval != want.Retval {
				t.Errorf("retval: vm %#x, kernel %#x", got.Retval, want.Retval)
			}
			if !sameBytes(got.Output, want.Output) {
				t.Errorf("output:\nvm     %x\nkernel %x", got.Output, want.Output)
			}
			if !sameBytes(got.Context, want.Context) {
				t.Errorf("ctx_out:\nvm     %x\nkernel %x", got.Context, want.Context)
			}
			compareMaps(t, img, vm, k, oc.volatile)
		})
	}
}
