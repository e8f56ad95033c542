/* capture.c - capture files through libpcap (see ta_capture.h). */
#include "ta_capture.h"
#include "ta_pcapng.h"
#include "ta_zstream.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

const char *ta_linktype_name(int linktype)
{
    /* Names libpcap lacks are given by number, from a small ring of buffers
     * so a few can be used in one message. */
    static char unnamed[4][24];
    static unsigned next;
    const char *n = pcap_datalink_val_to_name(linktype);
    if (n != NULL) {
        return n;
    }
    char *buf = unnamed[next++ % 4];
    snprintf(buf, sizeof(unnamed[0]), "LINKTYPE %d", linktype);
    return buf;
}

/* Reads the first bytes of |path| to explain why libpcap refused it. */
static void explain_format(const char *path, const char *pcap_err, char *out, size_t n)
{
    unsigned char magic[4] = {0};
    size_t got = ta_read_head(path, magic, sizeof(magic));

    if (got == 0) {
        snprintf(out, n, "the file is empty: nothing was captured into it");
    } else if (strstr(pcap_err, "truncated") != NULL ||
               (got == 4 && (memcmp(magic, "\x0a\x0d\x0d\x0a", 4) == 0 ||
                             memcmp(magic, "\xd4\xc3\xb2\xa1", 4) == 0 ||
                             memcmp(magic, "\xa1\xb2\xc3\xd4", 4) == 0 ||
                             memcmp(magic, "\x4d\x3c\xb2\xa1", 4) == 0))) {
        snprintf(out, n, "the file stops inside its header (%s): it is not a complete "
                 "capture; copy it again", pcap_err);
    } else if (strstr(pcap_err, "unknown file format") != NULL) {
        snprintf(out, n, "not a pcap or pcapng capture (it starts with bytes %02x %02x %02x "
                 "%02x): give a file written by 'tcpdump -w', dumpcap or Wireshark",
                 magic[0], magic[1], magic[2], magic[3]);
    } else {
        snprintf(out, n, "%s", pcap_err);
    }
}

/* A compressed file is read through a decompressing stream. */
static pcap_t *open_compressed(const char *path, char *errbuf)
{
    FILE *f = ta_zopen(path);
    if (f == NULL) {
        snprintf(errbuf, PCAP_ERRBUF_SIZE, "cannot open: %s", strerror(errno));
        return NULL;
    }
    /* On failure libpcap leaves |f| open. */
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (p == NULL) {
        fclose(f);
    }
    return p;
}

/* A plain file read through a larger stdio buffer than the default
 * (st_blksize, 4 KiB): one read(2) per 4 KiB was a measurable part of
 * reading handshake-heavy captures.  The buffer, *out_buf, is freed by the
 * caller after pcap_close.  NULL when the file cannot be opened this way
 * (then libpcap opens it, with its own messages). */
#define READ_BUF (256 * 1024)

static pcap_t *open_buffered(const char *path, char *errbuf, char **out_buf)
{
    FILE *f = fopen(path, "rb");
    char *buf = f != NULL ? malloc(READ_BUF) : NULL;
    if (f != NULL) {
        __fsetlocking(f, FSETLOCKING_BYCALLER);
    }
    if (buf == NULL || setvbuf(f, buf, _IOFBF, READ_BUF) != 0) {
        if (f != NULL) {
            fclose(f);
        }
        free(buf);
        return NULL;
    }
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (p == NULL) {
        fclose(f);       /* on failure libpcap leaves |f| open */
        free(buf);
        return NULL;
    }
    *out_buf = buf;
    return p;
}

/* Opens |path| ("-": standard input); with |out_buf| set, a plain file
 * gets a larger read buffer, returned there (free it after pcap_close). */
static pcap_t *open_capture(const char *path, ta_capture_info *info, char **out_buf)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    struct stat st;
    pcap_t *p;

    if (strcmp(path, "-") != 0) {
        if (stat(path, &st) != 0) {
            snprintf(info->error, sizeof(info->error), "cannot open: %s", strerror(errno));
            return NULL;
        }
        if (S_ISDIR(st.st_mode)) {
            snprintf(info->error, sizeof(info->error),
                     "is a directory: give the capture files inside it");
            return NULL;
        }
    }
    ta_zkind kind = strcmp(path, "-") != 0 ? ta_zkind_of(path) : TA_Z_NONE;
    if (kind != TA_Z_NONE) {
        p = open_compressed(path, errbuf);
        if (p == NULL) {
            snprintf(info->error, sizeof(info->error), "%s-compressed capture: %s",
                     kind == TA_Z_GZIP ? "gzip" : kind == TA_Z_ZSTD ? "zstd" : "xz", errbuf);
        }
        return p;
    }
    p = out_buf != NULL && strcmp(path, "-") != 0 ? open_buffered(path, errbuf, out_buf) : NULL;
    if (p == NULL) {
        errbuf[0] = '\0';
        p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    }
    if (p == NULL) {
        if (strcmp(path, "-") == 0 && strstr(errbuf, "truncated") != NULL) {
            snprintf(info->error, sizeof(info->error), "standard input stops inside its header "
                     "(%s): nothing was captured, or the writer stopped early", errbuf);
        } else if (strcmp(path, "-") == 0) {
            snprintf(info->error, sizeof(info->error), "standard input: %s", errbuf);
        } else {
            explain_format(path, errbuf, info->error, sizeof(info->error));
        }
    }
    return p;
}

/* libpcap's message when a record or block is cut short or oversized. */
static void explain_read_error(pcap_t *p, ta_capture_info *info)
{
    const char *e = pcap_geterr(p);
    if (strstr(e, "truncated") != NULL) {
        snprintf(info->error, sizeof(info->error),
                 "the file ends in the middle of frame %llu (%s): it was copied while still "
                 "being written, or cut; the %llu frames before it were analysed",
                 (unsigned long long)info->frames + 1, e, (unsigned long long)info->frames);
    } else if (strstr(e, "different from the type of the first interface") != NULL) {
        snprintf(info->error, sizeof(info->error),
                 "frame %llu is on an interface with another link-layer type (%s); libpcap "
                 "cannot mix them: split the file per interface with 'editcap' or "
                 "'tshark -r F -w G -Y frame.interface_id==N'",
                 (unsigned long long)info->frames + 1, e);
    } else {
        snprintf(info->error, sizeof(info->error),
                 "reading stopped after frame %llu: %s; the frames before it were analysed",
                 (unsigned long long)info->frames, e);
    }
    info->read_error = true;
}

/* The user-space BPF filter: one program per link type met, compiled the
 * way tcpdump compiles it (optimised, netmask unknown). */
#define MAX_PROGRAMS 8

typedef struct {
    const char *expr;
    ta_record_fn fn;
    void *arg;
    ta_capture_info *info;
    struct {
        int linktype;
        bool ok;
        struct bpf_program prog;
    } progs[MAX_PROGRAMS];
    size_t num_progs;
} sink;

static struct bpf_program *program_for(sink *s, int linktype, char *err, size_t err_len)
{
    for (size_t i = 0; i < s->num_progs; i++) {
        if (s->progs[i].linktype == linktype) {
            return s->progs[i].ok ? &s->progs[i].prog : NULL;
        }
    }
    if (s->num_progs >= MAX_PROGRAMS) {
        return NULL;
    }
    size_t i = s->num_progs++;
    s->progs[i].linktype = linktype;
    s->progs[i].ok = false;
    pcap_t *dead = pcap_open_dead(linktype, 262144);
    if (dead == NULL) {
        return NULL;
    }
    if (pcap_compile(dead, &s->progs[i].prog, s->expr, 1, PCAP_NETMASK_UNKNOWN) == 0) {
        s->progs[i].ok = true;
    } else if (err != NULL) {
        snprintf(err, err_len, "bad filter '%s': %s", s->expr, pcap_geterr(dead));
    }
    pcap_close(dead);
    return s->progs[i].ok ? &s->progs[i].prog : NULL;
}

static void sink_record(void *arg, const ta_record *r)
{
    sink *s = arg;
    if (s->expr != NULL) {
        struct pcap_pkthdr h;
        memset(&h, 0, sizeof(h));
        h.caplen = (bpf_u_int32)r->caplen;
        h.len = (bpf_u_int32)r->wirelen;
        struct bpf_program *prog = program_for(s, r->linktype, NULL, 0);
        if (prog == NULL || pcap_offline_filter(prog, &h, r->data) == 0) {
            s->info->filtered++;
            return;
        }
    }
    s->fn(s->arg, r);
}

static void sink_cleanup(sink *s)
{
    for (size_t i = 0; i < s->num_progs; i++) {
        if (s->progs[i].ok) {
            pcap_freecode(&s->progs[i].prog);
        }
    }
}

/* libpcap stops at an interface whose link type differs from the first
 * one's; our own pcapng reader takes over after the frames already read. */
static void mixed_linktypes(const char *path, sink *s, ta_capture_info *info)
{
    FILE *f = NULL;

    if (strcmp(path, "-") == 0) {
        return;
    }
    f = ta_zopen(path);
    if (f == NULL) {
        return;
    }
    info->read_error = false;
    info->error[0] = '\0';
    if (ta_pcapng_read(f, info->frames, sink_record, s, info) != 0) {
        info->read_error = true;
    }
    fclose(f);
}

/* libpcap skips pcapng Decryption Secrets Blocks: those before the first
 * packet (where editcap --inject-secrets puts them) are read by our own
 * pcapng reader before libpcap delivers packets. */
static void read_secrets(const char *path, pcap_t *p, ta_capture_info *info)
{
    if (info->secrets_fn == NULL || pcap_major_version(p) != 1 || pcap_minor_version(p) != 0) {
        return;
    }
    FILE *f = ta_zopen(path);
    if (f != NULL) {
        (void)ta_pcapng_secrets(f, info);
        fclose(f);
    }
}

/* Reads every record of |p| through the sink; |path| (may be NULL) lets
 * the pcapng reader take over for mixed link types. */
static int read_all(pcap_t *p, const char *path, sink *s, ta_capture_info *info)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;

    info->linktype = pcap_datalink(p);
    info->snaplen = pcap_snapshot(p);
    if (s->expr != NULL &&
        program_for(s, info->linktype, info->error, sizeof(info->error)) == NULL) {
        return -2;
    }
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        ta_record r;
        info->frames++;
        r.frame = info->frames;
        r.ns = ta_capture_ns((int64_t)h->ts.tv_sec, (int64_t)h->ts.tv_usec);
        r.linktype = info->linktype;
        r.data = data;
        r.caplen = h->caplen;
        r.wirelen = h->len;
        sink_record(s, &r);
    }
    if (rc == PCAP_ERROR) {
        explain_read_error(p, info);
        if (path != NULL &&
            strstr(pcap_geterr(p), "different from the type of the first interface") != NULL) {
            mixed_linktypes(path, s, info);
        }
    }
    return 0;
}

static void sink_init(sink *s, const char *filter, ta_record_fn fn, void *arg,
                      ta_capture_info *info)
{
    memset(info, 0, sizeof(*info));
    memset(s, 0, sizeof(*s));
    s->expr = filter;
    s->fn = fn;
    s->arg = arg;
    s->info = info;
}

/* Standard input is read once, so its first bytes are looked at through a
 * stream that gives them back before the rest. */
typedef struct {
    unsigned char head[4];
    size_t len;
    size_t pos;
} prefixed;

static ssize_t prefixed_read(void *cookie, char *buf, size_t n)
{
    prefixed *p = cookie;
    if (p->pos < p->len) {
        size_t k = p->len - p->pos < n ? p->len - p->pos : n;
        memcpy(buf, p->head + p->pos, k);
        p->pos += k;
        return (ssize_t)k;
    }
    return (ssize_t)fread(buf, 1, n, stdin);
}

static int prefixed_close(void *cookie)
{
    free(cookie);
    return 0;
}

/* pcapng on standard input goes to our own reader from the start: libpcap
 * stops at mixed link types, and a pipe cannot be read again. */
static int read_stdin(sink *s, ta_capture_info *info)
{
    static const cookie_io_functions_t io = {prefixed_read, NULL, NULL, prefixed_close};
    prefixed *pre = calloc(1, sizeof(*pre));
    if (pre == NULL) {
        return -1;
    }
    pre->len = fread(pre->head, 1, sizeof(pre->head), stdin);
    bool pcapng = pre->len == 4 && memcmp(pre->head, "\x0a\x0d\x0d\x0a", 4) == 0;
    FILE *f = fopencookie(pre, "rb", io);
    if (f == NULL) {
        free(pre);
        return -1;
    }
    if (pcapng) {
        if (ta_pcapng_read(f, 0, sink_record, s, info) != 0) {
            info->read_error = true;
        }
        fclose(f);
        return 0;
    }
    int rc = ta_capture_read_stream(f, s->expr, s->fn, s->arg, info);
    if (rc == -1) {
        char why[256];
        snprintf(why, sizeof(why), "%.200s", info->error);
        if (pre->len == 0) {
            snprintf(info->error, sizeof(info->error), "standard input is empty: nothing was "
                     "captured, or the writer failed");
        } else if (strstr(why, "truncated") != NULL) {
            snprintf(info->error, sizeof(info->error), "standard input stops inside its header "
                     "(%s): the writer stopped early", why);
        } else {
            snprintf(info->error, sizeof(info->error), "standard input is not a pcap or pcapng "
                     "capture (%s)", why);
        }
        fclose(f);
    }
    return rc;
}

int ta_capture_read(const char *path, const char *filter, ta_record_fn fn, void *arg,
                    ta_capture_info *info)
{
    return ta_capture_read_secrets(path, filter, fn, arg, NULL, NULL, info);
}

int ta_capture_read_secrets(const char *path, const char *filter, ta_record_fn fn, void *arg,
                            ta_secrets_fn secrets_fn, void *secrets_arg, ta_capture_info *info)
{
    sink s;
    sink_init(&s, filter, fn, arg, info);
    info->secrets_fn = secrets_fn;
    info->secrets_arg = secrets_arg;
    if (strcmp(path, "-") == 0) {
        if (filter != NULL &&
            program_for(&s, DLT_EN10MB, info->error, sizeof(info->error)) == NULL) {
            sink_cleanup(&s);
            return -2;
        }
        int rc = read_stdin(&s, info);
        if (rc != 0 && info->error[0] == '\0') {
            snprintf(info->error, sizeof(info->error), "standard input: out of memory");
        }
        sink_cleanup(&s);
        return rc;
    }
    char *buf = NULL;
    pcap_t *p = open_capture(path, info, &buf);
    if (p == NULL) {
        return -1;
    }
    read_secrets(path, p, info);
    int rc = read_all(p, path, &s, info);
    sink_cleanup(&s);
    pcap_close(p);
    free(buf);
    return rc;
}

int ta_capture_read_stream(FILE *f, const char *filter, ta_record_fn fn, void *arg,
                           ta_capture_info *info)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    sink s;
    sink_init(&s, filter, fn, arg, info);
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (p == NULL) {
        snprintf(info->error, sizeof(info->error), "%s", errbuf);
        return -1;
    }
    int rc = read_all(p, NULL, &s, info);
    sink_cleanup(&s);
    pcap_close(p);    /* closes |f| */
    return rc;
}

/* --merge: several files read as one capture in timestamp order (as
 * mergecap does: the earliest next record first, ties to the earlier
 * file), so a connection split across rotated files is whole. */
typedef struct {
    pcap_t *p;
    struct pcap_pkthdr *h;
    const u_char *data;
    int64_t ns;
    int linktype;
    bool live;
} merge_src;

static void merge_next(merge_src *m, ta_capture_info *info)
{
    int rc = pcap_next_ex(m->p, &m->h, &m->data);
    m->live = rc == 1;
    if (rc == PCAP_ERROR && !info->read_error) {
        explain_read_error(m->p, info);
    }
    if (m->live) {
        m->ns = ta_capture_ns((int64_t)m->h->ts.tv_sec, (int64_t)m->h->ts.tv_usec);
    }
}

int ta_capture_read_merged(char *const *paths, int num, const char *filter, ta_record_fn fn,
                           void *arg, ta_capture_info *info)
{
    sink s;
    merge_src *m = calloc((size_t)(num > 0 ? num : 1), sizeof(*m));
    int rc = 0;

    sink_init(&s, filter, fn, arg, info);
    if (m == NULL) {
        snprintf(info->error, sizeof(info->error), "out of memory");
        return -1;
    }
    for (int i = 0; i < num && rc == 0; i++) {
        ta_capture_info one;
        memset(&one, 0, sizeof(one));
        m[i].p = strcmp(paths[i], "-") != 0 ? open_capture(paths[i], &one, NULL) : NULL;
        if (m[i].p == NULL) {
            snprintf(info->error, sizeof(info->error), "%.200s: %.300s", paths[i],
                     one.error[0] != '\0' ? one.error : "standard input cannot be merged");
            rc = -1;
            break;
        }
        m[i].linktype = pcap_datalink(m[i].p);
        if (i == 0) {
            info->linktype = m[i].linktype;
            info->snaplen = pcap_snapshot(m[i].p);
        }
        if (filter != NULL &&
            program_for(&s, m[i].linktype, info->error, sizeof(info->error)) == NULL) {
            rc = -2;
            break;
        }
        merge_next(&m[i], info);
    }
    while (rc == 0) {
        int best = -1;
        for (int i = 0; i < num; i++) {
            if (m[i].live && (best < 0 || m[i].ns < m[best].ns)) {
                best = i;
            }
        }
        if (best < 0) {
            break;
        }
        ta_record r;
        info->frames++;
        r.frame = info->frames;
        r.ns = m[best].ns;
        r.linktype = m[best].linktype;
        r.data = m[best].data;
        r.caplen = m[best].h->caplen;
        r.wirelen = m[best].h->len;
        sink_record(&s, &r);
        merge_next(&m[best], info);
    }
    for (int i = 0; i < num; i++) {
        if (m[i].p != NULL) {
            pcap_close(m[i].p);
        }
    }
    free(m);
    sink_cleanup(&s);
    return rc;
}
