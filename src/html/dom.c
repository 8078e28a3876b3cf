/* HTML parse trees: gumbo's tree flattened into pre-order arrays, text and
 * markup of subtrees. */
#include "html/html.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const GumboVector *html_gumbo_children(const GumboNode *g) {
    if (g->type == GUMBO_NODE_DOCUMENT) return &g->v.document.children;
    if (g->type == GUMBO_NODE_ELEMENT || g->type == GUMBO_NODE_TEMPLATE) return &g->v.element.children;
    return NULL;
}

static unsigned char html_type_of(const GumboNode *g) {
    switch (g->type) {
    case GUMBO_NODE_DOCUMENT: return HTML_DOCUMENT;
    case GUMBO_NODE_ELEMENT:
    case GUMBO_NODE_TEMPLATE: return HTML_ELEMENT;
    case GUMBO_NODE_COMMENT: return HTML_COMMENT;
    default: return HTML_TEXT; /* text, whitespace, CDATA */
    }
}

/* Lowercase name of an element; unknown tags get theirs from the source. */
static const char *html_tag_name(html_doc *d, const GumboNode *g) {
    GumboTag t = g->v.element.tag;
    if (t != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(t);
    GumboStringPiece p = g->v.element.original_tag;
    if (p.data) gumbo_tag_from_original_text(&p);
    char *s = malloc(p.length + 1);
    if (!s) return "";
    for (size_t k = 0; k < p.length; k++) s[k] = (char)tolower((unsigned char)p.data[k]);
    s[p.length] = 0;
    char **grown = realloc(d->owned_tags, (size_t)(d->nowned + 1) * sizeof *grown);
    if (!grown) {
        free(s);
        return "";
    }
    d->owned_tags = grown;
    d->owned_tags[d->nowned++] = s;
    return s;
}

static int html_count(const GumboNode *root) {
    int n = 0;
    size_t cap = 64, top = 0;
    const GumboNode **stack = malloc(cap * sizeof *stack);
    if (!stack) return -1;
    stack[top++] = root;
    while (top) {
        const GumboNode *g = stack[--top];
        n++;
        const GumboVector *ch = html_gumbo_children(g);
        if (!ch) continue;
        if (top + ch->length > cap) {
            while (top + ch->length > cap) cap *= 2;
            const GumboNode **s2 = realloc(stack, cap * sizeof *stack);
            if (!s2) {
                free(stack);
                return -1;
            }
            stack = s2;
        }
        for (unsigned k = 0; k < ch->length; k++) stack[top++] = ch->data[k];
    }
    free(stack);
    return n;
}

/* Fills the arrays in pre-order with an explicit stack (deeply nested
 * markup must not overflow the VU's small C stack). */
static int html_flatten(html_doc *d) {
    int n = d->n;
    struct item {
        const GumboNode *g;
        int parent;
    } *stack = malloc((size_t)n * sizeof *stack);
    int *lastc = malloc((size_t)n * sizeof *lastc);
    if (!stack || !lastc) {
        free(stack);
        free(lastc);
        return -1;
    }
    int top = 0, idx = 0;
    stack[top++] = (struct item){d->out->document, -1};
    while (top) {
        struct item it = stack[--top];
        int i = idx++;
        d->node[i] = (GumboNode *)it.g;
        d->parent[i] = it.parent;
        d->type[i] = html_type_of(it.g);
        d->tag[i] = d->type[i] == HTML_ELEMENT ? html_tag_name(d, it.g) : NULL;
        d->next[i] = d->prev[i] = -1;
        lastc[i] = -1;
        if (it.parent >= 0) {
            int p = lastc[it.parent];
            if (p >= 0) {
                d->next[p] = i;
                d->prev[i] = p;
            }
            lastc[it.parent] = i;
        }
        const GumboVector *ch = html_gumbo_children(it.g);
        if (ch)
            for (unsigned k = ch->length; k-- > 0;) stack[top++] = (struct item){ch->data[k], i};
    }
    /* subtree sizes, children before parents when walking backwards */
    for (int i = 0; i < n; i++) d->end[i] = 1;
    for (int i = n - 1; i > 0; i--) d->end[d->parent[i]] += d->end[i];
    for (int i = 0; i < n; i++) d->end[i] += i;
    free(stack);
    free(lastc);
    return 0;
}

html_doc *html_parse(const char *src, size_t len) {
    html_doc *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->out = gumbo_parse_with_options(&kGumboDefaultOptions, src, len);
    if (!d->out) {
        free(d);
        return NULL;
    }
    d->n = html_count(d->out->document);
    if (d->n > 0) {
        size_t n = (size_t)d->n;
        d->node = malloc(n * sizeof *d->node);
        d->parent = malloc(n * sizeof(int));
        d->next = malloc(n * sizeof(int));
        d->prev = malloc(n * sizeof(int));
        d->end = malloc(n * sizeof(int));
        d->type = malloc(n);
        d->tag = malloc(n * sizeof *d->tag);
    }
    if (d->n <= 0 || !d->node || !d->parent || !d->next || !d->prev || !d->end || !d->type || !d->tag ||
        html_flatten(d)) {
        html_free(d);
        return NULL;
    }
    return d;
}

void html_free(html_doc *d) {
    if (!d) return;
    if (d->out) gumbo_destroy_output(&kGumboDefaultOptions, d->out);
    for (int k = 0; k < d->nowned; k++) free(d->owned_tags[k]);
    free(d->owned_tags);
    free(d->node);
    free(d->parent);
    free(d->next);
    free(d->prev);
    free(d->end);
    free(d->type);
    free(d->tag);
    free(d);
}

const char *html_attr(const html_doc *d, int i, const char *name) {
    if (i < 0 || i >= d->n || d->type[i] != HTML_ELEMENT) return NULL;
    GumboAttribute *a = gumbo_get_attribute(&d->node[i]->v.element.attributes, name);
    return a ? a->value : NULL;
}

int html_first_child(const html_doc *d, int i) { return i + 1 < d->end[i] ? i + 1 : -1; }

int html_last_child(const html_doc *d, int i) {
    int c = html_first_child(d, i);
    while (c >= 0 && d->next[c] >= 0) c = d->next[c];
    return c;
}

const char *html_node_data(const html_doc *d, int i) {
    if (d->type[i] == HTML_TEXT || d->type[i] == HTML_COMMENT) return d->node[i]->v.text.text;
    return "";
}

void html_text(const html_doc *d, int i, buf *b) {
    for (int k = i; k < d->end[i]; k++)
        if (d->type[k] == HTML_TEXT) buf_puts(b, d->node[k]->v.text.text);
}

/* ---- markup ---- */

/* Go's html escaping: & ' < > " and carriage returns. */
static void html_escape(buf *b, const char *s) {
    const char *run = s;
    for (; *s; s++) {
        const char *rep;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '\'': rep = "&#39;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&#34;"; break;
        case '\r': rep = "&#13;"; break;
        default: continue;
        }
        buf_append(b, run, (size_t)(s - run));
        buf_puts(b, rep);
        run = s + 1;
    }
    buf_append(b, run, (size_t)(s - run));
}

static bool html_in_list(const char *tag, const char *const *list) {
    for (; *list; list++)
        if (strcmp(tag, *list) == 0) return true;
    return false;
}

static const char *const html_void_tags[] = {"area",   "base", "br",   "col",   "embed",  "hr",    "img", "input",
                                             "keygen", "link", "meta", "param", "source", "track", "wbr", NULL};
static const char *const html_raw_tags[] = {"iframe", "noembed", "noframes", "noscript", "plaintext",
                                            "script", "style",   "xmp",      NULL};

static void html_doctype(const html_doc *d, buf *b) {
    const GumboDocument *doc = &d->out->document->v.document;
    if (!doc->has_doctype) return;
    buf_puts(b, "<!DOCTYPE ");
    buf_puts(b, doc->name);
    if (doc->public_identifier && doc->public_identifier[0]) {
        buf_puts(b, " PUBLIC \"");
        buf_puts(b, doc->public_identifier);
        buf_puts(b, "\"");
        if (doc->system_identifier && doc->system_identifier[0]) {
            buf_puts(b, " \"");
            buf_puts(b, doc->system_identifier);
            buf_puts(b, "\"");
        }
    } else if (doc->system_identifier && doc->system_identifier[0]) {
        buf_puts(b, " SYSTEM \"");
        buf_puts(b, doc->system_identifier);
        buf_puts(b, "\"");
    }
    buf_puts(b, ">");
}

static void html_open_tag(const html_doc *d, int i, buf *b) {
    const GumboVector *attrs = &d->node[i]->v.element.attributes;
    buf_puts(b, "<");
    buf_puts(b, d->tag[i]);
    for (unsigned k = 0; k < attrs->length; k++) {
        const GumboAttribute *a = attrs->data[k];
        buf_puts(b, " ");
        buf_puts(b, a->name);
        buf_puts(b, "=\"");
        html_escape(b, a->value);
        buf_puts(b, "\"");
    }
    buf_puts(b, html_in_list(d->tag[i], html_void_tags) ? "/>" : ">");
}

/* Iterative, like the flattening: a node's closing tag is written when the
 * walk leaves its subtree. */
static void html_render_range(const html_doc *d, int from, int to, buf *b) {
    int open[64], nopen = 0; /* deeper nesting closes through the parent chain */
    for (int k = from; k < to; k++) {
        while (nopen && d->end[open[nopen - 1]] <= k) {
            int c = open[--nopen];
            buf_puts(b, "</");
            buf_puts(b, d->tag[c]);
            buf_puts(b, ">");
        }
        switch (d->type[k]) {
        case HTML_ELEMENT: {
            html_open_tag(d, k, b);
            if (html_in_list(d->tag[k], html_void_tags)) {
                k = d->end[k] - 1;
                break;
            }
            int fc = html_first_child(d, k);
            /* a leading newline in these would be eaten by a parser: Go writes an extra one */
            if (fc >= 0 && d->type[fc] == HTML_TEXT && d->node[fc]->v.text.text[0] == '\n' &&
                (!strcmp(d->tag[k], "pre") || !strcmp(d->tag[k], "listing") || !strcmp(d->tag[k], "textarea")))
                buf_puts(b, "\n");
            if (html_in_list(d->tag[k], html_raw_tags)) {
                for (int c = fc; c >= 0; c = d->next[c])
                    if (d->type[c] == HTML_TEXT) buf_puts(b, d->node[c]->v.text.text);
                    else html_render_range(d, c, d->end[c], b);
                buf_puts(b, "</");
                buf_puts(b, d->tag[k]);
                buf_puts(b, ">");
                k = d->end[k] - 1;
            } else if (nopen < (int)(sizeof open / sizeof *open)) {
                open[nopen++] = k;
            } else { /* too deep for the table: render this subtree on its own */
                html_render_range(d, k + 1, d->end[k], b);
                buf_puts(b, "</");
                buf_puts(b, d->tag[k]);
                buf_puts(b, ">");
                k = d->end[k] - 1;
            }
            break;
        }
        case HTML_TEXT: html_escape(b, d->node[k]->v.text.text); break;
        case HTML_COMMENT:
            buf_puts(b, "<!--");
            buf_puts(b, d->node[k]->v.text.text);
            buf_puts(b, "-->");
            break;
        default:
            if (k == 0) html_doctype(d, b);
            break;
        }
    }
    while (nopen) {
        int c = open[--nopen];
        buf_puts(b, "</");
        buf_puts(b, d->tag[c]);
        buf_puts(b, ">");
    }
}

void html_outer(const html_doc *d, int i, buf *b) { html_render_range(d, i, d->end[i], b); }

void html_inner(const html_doc *d, int i, buf *b) {
    if (i == 0) html_doctype(d, b);
    if (d->type[i] == HTML_ELEMENT && html_in_list(d->tag[i], html_raw_tags)) {
        for (int c = html_first_child(d, i); c >= 0; c = d->next[c])
            if (d->type[c] == HTML_TEXT) buf_puts(b, d->node[c]->v.text.text);
        return;
    }
    html_render_range(d, i + 1, d->end[i], b);
}
