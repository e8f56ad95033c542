/*
 * apigee_line.c - a connection's place in an Apigee deployment in one line
 * (ta_apigee_line.h), read from the view like any writer, so that names
 * are escaped and redacted as the rest of the output shows them.  Apart
 * from the schema (facts_apigee.c), which only hands the line on.
 */
#include "ta_apigee_line.h"

#include <stdio.h>
#include <string.h>

static const char *shown_role(ta_apigee_role r)
{
    switch (r) {
    case TA_AP_CLIENT_APP:
        return "client app";
    case TA_AP_ROUTER:
        return "Router";
    case TA_AP_MP:
        return "Message Processor";
    case TA_AP_BACKEND:
        return "backend";
    case TA_AP_ROLE_NONE:
    default:
        return "?";
    }
}

/* The text of the member |key| of the connection, escaped and redacted. */
static const char *conn_text(ta_view *v, const ta_fnode *obj, const void *base, const char *key)
{
    const ta_fnode *n = ta_fnode_member(obj, key, strlen(key));
    ta_fval fv;
    size_t len;
    if (n == NULL) {
        return NULL;
    }
    ta_view_get(v, n, base, 0, &fv);
    if (fv.kind != TA_FV_STR) {
        return NULL;
    }
    const char *s = ta_view_text(v, n, &fv, &len);
    char *copy = ta_arena_strndup(v->arena, s, len);   /* |s| may live in |fv| */
    v->nomem = v->nomem || copy == NULL;
    return copy;
}

/* "backend api.example.com:443": the server named by its SNI when there
 * is one, else by its address. */
static const char *server_shown(ta_view *v, char *buf, size_t len)
{
    const char *server = conn_text(v, &ta_schema_conn, NULL, "server");
    const char *colon = server != NULL ? strrchr(server, ':') : NULL;
    const ta_fnode *ch = ta_fnode_member(&ta_schema_conn, "client_hello", 12);
    ta_fval chv;
    ta_view_get(v, ch, NULL, 0, &chv);
    const char *sni = chv.kind == TA_FV_OBJ ? conn_text(v, ch, chv.base, "sni") : NULL;
    if (sni != NULL && sni[0] != '\0' && colon != NULL) {
        snprintf(buf, len, "%s%s", sni, colon);
        return buf;
    }
    return server != NULL ? server : "?";
}

/* "Router 10.1.2.3", or the address alone when the role is not known. */
static void end_shown(char *buf, size_t len, ta_apigee_role r, const char *who)
{
    if (r == TA_AP_ROLE_NONE) {
        snprintf(buf, len, "%s", who);
    } else {
        snprintf(buf, len, "%s %s", shown_role(r), who);
    }
}

const char *ta_apigee_line(ta_view *v)
{
    if (v->d == NULL || !v->d->has_apigee) {
        return NULL;
    }
    const ta_apigee_place *p = &v->d->apigee;
    const char *client = conn_text(v, &ta_schema_conn, NULL, "client");
    char server[2 * TA_FVAL_BUF];
    char ip[TA_FVAL_BUF] = "?";
    char from[TA_FVAL_BUF + 32];
    char to[3 * TA_FVAL_BUF];
    if (client != NULL) {
        snprintf(ip, sizeof(ip), "%s", client);
        char *colon = strrchr(ip, ':');
        if (colon != NULL && colon != ip) {
            *colon = '\0';          /* the client's port says nothing */
        }
    }
    end_shown(from, sizeof(from), p->client, ip);
    end_shown(to, sizeof(to), p->server, server_shown(v, server, sizeof(server)));
    const char *dir = ta_apigee_dir_name(p->dir);
    if (dir == NULL) {
        dir = p->client == TA_AP_ROUTER && p->server == TA_AP_MP ? "internal"
                                                                 : "direction unknown";
    }
    const char *traffic = ta_apigee_traffic_name(p->traffic);
    char line[512];
    int k = snprintf(line, sizeof(line), "%s: %s \xe2\x86\x92 %s (roles %s%s%s)", dir, from, to,
                     ta_apigee_how_name(p->how), traffic != NULL ? ", " : "",
                     traffic != NULL ? traffic : "");
    size_t n = k < 0 ? 0 : ((size_t)k < sizeof(line) ? (size_t)k : sizeof(line) - 1);
    const char *out = ta_arena_strndup(v->arena, line, n);
    v->nomem = v->nomem || out == NULL;
    return out;
}
