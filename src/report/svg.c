/* svg.c - a handshake as an inline SVG sequence diagram (see
 * casereport_int.h).  The drawing uses CSS classes only, so the page's
 * stylesheet decides the colours (light, dark, print). */
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
static void heads(FILE *f, json_t *conn, int bottom)
{
    static const char *const who[] = {"client", "server"};
    static const int xs[] = {X_CLIENT, X_SERVER};
    for (int i = 0; i < 2; i++) {
        fprintf(f, "<rect class=\"box\" x=\"%d\" y=\"8\" width=\"200\" height=\"44\" rx=\"6\"/>",
                xs[i] - 100);
        fprintf(f, "<text class=\"who\" x=\"%d\" y=\"26\" text-anchor=\"middle\">%s</text>", xs[i],
                who[i]);
        fprintf(f, "<text class=\"addr\" x=\"%d\" y=\"44\" text-anchor=\"middle\">", xs[i]);
        puts_cut(f, cr_str(conn, who[i]), 30);
        fputs("</text>", f);
        fprintf(f, "<line class=\"life\" x1=\"%d\" y1=\"52\" x2=\"%d\" y2=\"%d\"/>\n", xs[i], xs[i],
                bottom);
    }
}

/* The label over an arrow: the message, and for a ClientHello the SNI. */
static void label(FILE *f, json_t *conn, json_t *m, int y, bool fail)
{
    char text[160];
    cr_message_label(conn, m, text, sizeof(text));
    fprintf(f, "<text class=\"label%s\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s", fail ? " fail"
            : "", (X_CLIENT + X_SERVER) / 2, y - 7, fail ? "✗ " : "");
    cr_html_puts(f, text);
    json_t *ch = json_object_get(conn, "client_hello");
    if (strcmp(cr_str(m, "message"), "ClientHello") == 0 && cr_int(ch, "frame") == cr_int(m,
                                                                                       "frame")) {
        fputs(json_is_string(json_object_get(ch, "sni")) ? " · SNI " : " · no SNI", f);
        puts_cut(f, cr_str(ch, "sni"), 36);
    }
    fputs("</text>\n", f);
}

void cr_svg_sequence(FILE *f, json_t *conn)
{
    json_t *msgs = json_object_get(conn, "messages");
    json_t *hs = json_object_get(conn, "handshake");
    bool close_drawn;
    bool close_fails;
    long fail = cr_failing(conn, &close_drawn, &close_fails);
    size_t n = json_array_size(msgs);
    size_t shown = n < CR_MAX_ARROWS ? n : CR_MAX_ARROWS;
    size_t rows = shown + (shown < n) + close_drawn + (n == 0);
    int height = Y_FIRST + (int)rows * ROW;
    double t0 = json_number_value(json_object_get(json_array_get(msgs, 0), "time"));
    json_t *m;
    size_t i;

    fprintf(f, "<svg class=\"seq\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
            "width=\"%d\" role=\"img\" aria-label=\"handshake of connection %lld\" "
            "data-conn=\"%lld\">\n", W, height, W, cr_int(conn, "id"), cr_int(conn, "id"));
    fprintf(f, "<title>Handshake of connection #%lld</title>\n", cr_int(conn, "id"));
    heads(f, conn, height - 8);
    int y = Y_FIRST;
    json_array_foreach(msgs, i, m) {
        char when[32];
        bool is_fail = (long)i == fail;
        if (i >= shown) {
            fprintf(f, "<text class=\"frame\" x=\"8\" y=\"%d\">… %zu more messages</text>\n",
                    y + 4, n - shown);
            y += ROW;
            break;
        }
        if (is_fail) {
            fprintf(f, "<rect class=\"failbg\" x=\"2\" y=\"%d\" width=\"%d\" height=\"%d\" "
                    "rx=\"4\"/>", y - 22, W - 4, ROW);
        }
        snprintf(when, sizeof(when), "+%.3f ms",
                 (json_number_value(json_object_get(m, "time")) - t0) * 1000.0);
        left_text(f, y, cr_int(m, "frame"), when);
        arrow(f, y, strcmp(cr_str(m, "from"), "client") == 0, is_fail ? "fail" : "");
        label(f, conn, m, y, is_fail);
        y += ROW;
    }
    if (n == 0) {
        fprintf(f, "<text class=\"frame\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">no TLS "
                "message seen</text>\n", (X_CLIENT + X_SERVER) / 2, y - 7);
        y += ROW;
    }
    if (close_drawn) {
        const char *what = strcmp(cr_str(conn, "outcome"), "reset") == 0 ? "TCP RST" : "TCP FIN";
        if (close_fails) {
            fprintf(f, "<rect class=\"failbg\" x=\"2\" y=\"%d\" width=\"%d\" height=\"%d\" "
                    "rx=\"4\"/>", y - 22, W - 4, ROW);
        }
        left_text(f, y, cr_int(hs, "close_frame"), NULL);
        arrow(f, y, strcmp(cr_str(hs, "closed_by"), "client") == 0,
              close_fails ? "fail close" : "close");
        fprintf(f, "<text class=\"label%s\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s%s</text>\n",
                close_fails ? " fail" : "", (X_CLIENT + X_SERVER) / 2, y - 7,
                close_fails ? "✗ " : "", what);
    }
    fputs("</svg>\n", f);
}
