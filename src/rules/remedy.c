/*
 * remedy.c - the remediation profiles, and which of a rule's remediation
 * texts a connection gets: its profile's, for the side of the gateway the
 * connection is on (rules_int.h, rules/README.md "Remediation").
 */
#include <stdio.h>
#include <string.h>

#include "rules_int.h"

static const struct {
    const char *name;
    const char *what;
} profiles[] = {
    {"generic", "the fix in general terms (the default)"},
    {"apigee", "Apigee Edge, Private and Public Cloud: northbound (client app -> Router) and "
               "southbound (Message Processor -> backend) fixes, management API calls"},
    {"apigee-x", "Apigee X and hybrid: environment groups and the Google Cloud load balancer "
                 "northbound, target servers southbound, apigee.googleapis.com calls; where it "
                 "has no text of its own, apigee's"},
};

#define NUM_PROFILES (sizeof(profiles) / sizeof(profiles[0]))

bool ta_rules_profile_known(const char *name)
{
    for (size_t i = 0; i < NUM_PROFILES; i++) {
        if (strcmp(profiles[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

void ta_rules_print_profiles(FILE *out)
{
    for (size_t i = 0; i < NUM_PROFILES; i++) {
        fprintf(out, "%-10s %s\n", profiles[i].name, profiles[i].what);
    }
}

int ta_remedy_init(ta_rules *set)
{
    static const char path[] = "apigee.direction";
    return ta_fpath_parse(&set->side, path, sizeof(path) - 1);
}

static bool is_text(const ta_fval *val, const char *s)
{
    return val->len == strlen(s) && memcmp(val->s, s, val->len) == 0;
}

static bool direction_of(ta_view *v, const ta_fnode *n, const ta_fval *val, void *arg)
{
    (void)v;
    (void)n;
    if (val->kind == TA_FV_STR) {
        *(int *)arg = is_text(val, "northbound")   ? TA_SIDE_NORTH
                      : is_text(val, "southbound") ? TA_SIDE_SOUTH
                                                   : -1;
        return true;
    }
    return false;
}

/* The side of the view's connection: TA_SIDE_NORTH, TA_SIDE_SOUTH, or -1
 * when not known. */
static int side_of(const ta_rules *set, ta_view *v)
{
    int side = -1;
    (void)ta_fpath_visit(v, &set->side, direction_of, &side);
    return side;
}

static const remedy *find(const rule *r, const char *name)
{
    for (size_t i = 0; i < r->num_profiles; i++) {
        if (strcmp(r->remediation[i].name, name) == 0) {
            return &r->remediation[i];
        }
    }
    return NULL;
}

/* The text for side |s|: the profile's own, else (apigee-x) apigee's, else
 * the generic one. */
static const template *text_for(const rule *r, const char *profile, int s)
{
    const remedy *m[2] = {profile != NULL ? find(r, profile) : NULL, NULL};
    if (profile != NULL && strcmp(profile, "apigee-x") == 0) {
        m[1] = find(r, "apigee");
    }
    for (size_t i = 0; i < 2; i++) {
        if (m[i] != NULL && m[i]->both.src != NULL) {
            return &m[i]->both;
        }
        if (m[i] != NULL && m[i]->side[s].src != NULL) {
            return &m[i]->side[s];
        }
    }
    const remedy *g = find(r, "generic");
    return g != NULL && g->both.src != NULL ? &g->both : NULL;
}

size_t ta_remedy_pick(const ta_rules *set, const rule *r, const char *profile, ta_view *v,
                      const template *out[2])
{
    out[0] = text_for(r, profile, TA_SIDE_NORTH);
    out[1] = text_for(r, profile, TA_SIDE_SOUTH);
    if (out[0] == out[1]) {
        return out[0] != NULL;         /* one text for both sides: no need to know the side */
    }
    int side = side_of(set, v);
    if (side == TA_SIDE_SOUTH || out[0] == NULL) {
        out[0] = out[1];
    }
    if (side >= 0 || out[0] == NULL || out[1] == NULL) {
        return out[0] != NULL;
    }
    return 2;
}
