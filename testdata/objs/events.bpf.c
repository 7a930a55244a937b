// SPDX-License-Identifier: GPL-2.0
// Sending records to user space: bpf_ringbuf_output, bpf_ringbuf_reserve
// with bpf_ringbuf_submit and with bpf_ringbuf_discard, and
// bpf_perf_event_output.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf SEC(".maps");

struct event {
	__u32 kind;
	__u32 len;
	__u64 seq;
};

__u64 seq;

// Writes an 8-byte record with bpf_ringbuf_output, a 16-byte struct event
// through reserve/submit, and reserves an 8-byte one it discards. Returns
// 1 + 2 + 4 = 7 while the ring has room. Each run takes 56 bytes of the
// 4096-byte ring (8-byte headers, discarded records included) until a
// reader consumes them, so without a reader the 74th run returns less.
SEC("xdp")
int ring_write(struct xdp_md *ctx)
{
	__u64 word = 0x1122334455667788ULL;
	struct event *e;
	__u64 *tmp;
	int ret = 0;

	if (bpf_ringbuf_output(&ring, &word, sizeof(word), 0) == 0)
		ret |= 1;
	e = bpf_ringbuf_reserve(&ring, sizeof(*e), 0);
	if (e) {
		e->kind = 1;
		e->len = ctx->data_end - ctx->data;
		e->seq = ++seq;
		bpf_ringbuf_submit(e, 0);
		ret |= 2;
	}
	tmp = bpf_ringbuf_reserve(&ring, sizeof(*tmp), 0);
	if (tmp) {
		*tmp = 0;
		bpf_ringbuf_discard(tmp, BPF_RB_NO_WAKEUP);
		ret |= 4;
	}
	return ret;
}

// bpf_perf_event_output to this CPU's slot of perf. No perf event is
// attached in a test run, so the helper fails with -ENOENT: returns -2.
SEC("xdp")
int perf_write(struct xdp_md *ctx)
{
	struct event e = { .kind = 2, .len = 0, .seq = 0 };

	return bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU, &e, sizeof(e));
}

char _license[] SEC("license") = "GPL";
