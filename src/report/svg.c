/* svg.c - a handshake's steps (casereport_int.h) as an inline SVG
 * sequence diagram for the HTML back end, and the HTML escaping both use.
 * The drawing uses CSS classes only, so the page's stylesheet decides the
 * colours (light, dark, print). */
#include "casereport_int.h"

#include <string.h>

#define W 760          /* drawing width (viewBox units) */
#define X_CLIENT 240   /* lifelines */
#define X_SERVER 640
#define Y_FIRST 92     /* first arrow */
#define ROW 30         /* between arrows */

void cr_html_puts(FILE *f, const char *s)
{
    for (const char *p = s; *p != '\0'; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*p, f);
            break;
        }
    }
}

/* |s| escaped, cut after about |max| bytes on a UTF-8 character boundary
 * with an ellipsis: an address or a name must not run out of the box. */
static void puts_cut(FILE *f, const char *s, size_t max)
{
    char buf[256];
    size_t n = strlen(s);
    if (max >= sizeof(buf)) {
        max = sizeof(buf) - 1;
    }
    if (n <= max) {
        cr_html_puts(f, s);
        return;
    }
    while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80) {
        max--;    /* not inside a multi-byte character */
    }
    memcpy(buf, s, max);
    buf[max] = '\0';
    cr_html_puts(f, buf);
    fputs("…", f);
}

/* One arrow from |from_client|'s lifeline to the other at height |y|. */
static void arrow(FILE *f, int y, bool from_client, const char *cls)
{
    int x1 = from_client ? X_CLIENT : X_SERVER;
    int x2 = from_client ? X_SERVER - 2 : X_CLIENT + 2;
    int d = from_client ? -9 : 9;
    fprintf(f, "<line class=\"msg %s\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", cls, x1, y, x2,
            y);
    fprintf(f, "<polygon class=\"head %s\" points=\"%d,%d %d,%d %d,%d\"/>\n", cls, x2, y, x2 + d,
            y - 5, x2 + d, y + 5);
}

static void left_text(FILE *f, int y, long long frame, const char *when)
{
    fprintf(f, "<text class=\"frame\" x=\"8\" y=\"%d\">frame %lld</text>", y + 4, frame);
    if (when != NULL) {
        fprintf(f, "<text class=\"time\" x=\"100\" y=\"%d\">%s</text>", y + 4, when);
    }
}

/* The lifelines' heads: role and address. */
static void heads(FILE *f, const cr_diagram *d, int bottom)
{
    static const char *const who[] = {"client", "server"};
    static const int xs[] = {X_CLIENT, X_SERVER};
    const char *addr[] = {d->client, d->server};
    for (int i = 0; i < 2; i++) {
        fprintf(f, "<rect class=\"box\" x=\"%d\" y=\"8\" width=\"200\" height=\"44\" rx=\"6\"/>",
                xs[i] - 100);
        fprintf(f, "<text class=\"who\" x=\"%d\" y=\"26\" text-anchor=\"middle\">%s</text>", xs[i],
                who[i]);
        fprintf(f, "<text class=\"addr\" x=\"%d\" y=\"44\" text-anchor=\"middle\">", xs[i]);
        puts_cut(f, addr[i], 30);
        fputs("</text>", f);
        fprintf(f, "<line class=\"life\" x1=\"%d\" y1=\"52\" x2=\"%d\" y2=\"%d\"/>\n", xs[i], xs[i],
                bottom);
    }
}

/* One step at height |y|: the failing one on a marked background, frame
 * and time on the left, the arrow, and over it the label (for the
 * ClientHello with its SNI). */
static void step(FILE *f, const cr_step *s, int y, const char *when, const char *cls)
{
    char arrow_cls[32];
    if (s->fail) {
        fprintf(f, "<rect class=\"failbg\" x=\"2\" y=\"%d\" width=\"%d\" height=\"%d\" "
                "rx=\"4\"/>", y - 22, W - 4, ROW);
    }
    left_text(f, y, s->frame, when);
    snprintf(arrow_cls, sizeof(arrow_cls), "%s%s%s", s->fail ? "fail" : "",
             s->fail && cls[0] != '\0' ? " " : "", cls);
    arrow(f, y, s->from_client, arrow_cls);
    fprintf(f, "<text class=\"label%s\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s",
            s->fail ? " fail" : "", (X_CLIENT + X_SERVER) / 2, y - 7, s->fail ? "✗ " : "");
    cr_html_puts(f, s->label);
    if (s->client_hello) {
        fputs(s->sni != NULL ? " · SNI " : " · no SNI", f);
        puts_cut(f, s->sni != NULL ? s->sni : "", 36);
    }
    fputs("</text>\n", f);
}

void cr_svg_diagram(FILE *f, const cr_diagram *d)
{
    size_t rows = d->num_steps + (d->num_more > 0) + d->has_close + (d->num_steps == 0);
    int height = Y_FIRST + (int)rows * ROW;
    int y = Y_FIRST;

    fprintf(f, "<svg class=\"seq\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
            "width=\"%d\" role=\"img\" aria-label=\"handshake of connection %lld\" "
            "data-conn=\"%lld\">\n", W, height, W, d->conn, d->conn);
    fprintf(f, "<title>Handshake of connection #%lld</title>\n", d->conn);
    heads(f, d, height - 8);
    for (size_t i = 0; i < d->num_steps; i++) {
        char when[32];
        snprintf(when, sizeof(when), "+%.3f ms", d->steps[i].ms);
        step(f, &d->steps[i], y, when, "");
        y += ROW;
    }
    if (d->num_more > 0) {
        fprintf(f, "<text class=\"frame\" x=\"8\" y=\"%d\">… %zu more messages</text>\n", y + 4,
                d->num_more);
        y += ROW;
    }
    if (d->num_steps == 0) {
        fprintf(f, "<text class=\"frame\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">no TLS "
                "message seen</text>\n", (X_CLIENT + X_SERVER) / 2, y - 7);
        y += ROW;
    }
    if (d->has_close) {
        step(f, &d->close, y, NULL, "close");
    }
    fputs("</svg>", f);
}
