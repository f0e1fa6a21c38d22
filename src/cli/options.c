/* SPDX-License-Identifier: Apache-2.0 */
/* options.c - one option table drives parsing and --help. */
#include "cli.h"

#include "espi.h"

#include <string.h>

const char cli_help_option_text[] = "show this help and exit";

static const cli_option *find_long(const cli_command *cmd, const char *name, size_t len)
{
    for (size_t i = 0; i < cmd->noptions; i++) {
        const char *l = cmd->options[i].long_name;
        if (l && strlen(l) == len && strncmp(l, name, len) == 0)
            return &cmd->options[i];
    }
    return NULL;
}

static const cli_option *find_short(const cli_command *cmd, char c)
{
    for (size_t i = 0; i < cmd->noptions; i++)
        if (cmd->options[i].short_name == c)
            return &cmd->options[i];
    return NULL;
}

static void store(const cli_option *o, void *opts, const char *value)
{
    char *base = opts;
    if (o->kind == CLI_FLAG)
        *(bool *)(void *)(base + o->offset) = true;
    else
        *(const char **)(void *)(base + o->offset) = value;
}

/* Takes the value of o: inline ("--x=v", "-xv") or the next argument. */
static int take_value(const cli_io *io, const cli_command *cmd, const cli_option *o, void *opts,
                      const char *inline_value, int argc, char **argv, int *i)
{
    if (o->kind == CLI_FLAG) {
        if (inline_value)
            return cli_usage(io, cmd->name, "option --%s takes no value", o->long_name);
        store(o, opts, NULL);
        return CLI_OK;
    }
    if (inline_value == NULL) {
        if (*i + 1 >= argc)
            return cli_usage(io, cmd->name, "option --%s needs a value", o->long_name);
        inline_value = argv[++*i];
    }
    if (o->kind == CLI_LIST) {
        cli_list *list = (cli_list *)(void *)((char *)opts + o->offset);
        if (list->n == CLI_LIST_MAX)
            return cli_usage(io, cmd->name, "option --%s given more than %d times", o->long_name,
                             CLI_LIST_MAX);
        list->values[list->n++] = inline_value;
        return CLI_OK;
    }
    store(o, opts, inline_value);
    return CLI_OK;
}

static bool is_help(const char *a)
{
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

int cli_parse(const cli_io *io, const cli_command *cmd, void *opts, int argc, char **argv,
              char **pos, int *npos)
{
    *npos = 0;
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options_done || a[0] != '-' || strcmp(a, "-") == 0) {
            pos[(*npos)++] = argv[i];
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options_done = true;
            continue;
        }
        if (is_help(a)) {
            cli_print_help(io->out, cmd);
            return -1;
        }
        const cli_option *o;
        const char *inline_value = NULL;
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            o = find_long(cmd, a + 2, len);
            inline_value = eq ? eq + 1 : NULL;
        } else {
            o = find_short(cmd, a[1]);
            inline_value = a[2] ? a + 2 : NULL;
        }
        if (o == NULL)
            return cli_usage(io, cmd->name, "unknown option '%s'", a);
        int rc = take_value(io, cmd, o, opts, inline_value, argc, argv, &i);
        if (rc != CLI_OK)
            return rc;
    }
    return CLI_OK;
}

void cli_print_help(FILE *out, const cli_command *cmd)
{
    fprintf(out, "Usage: espi %s %s\n\n%s\n\nOptions:\n", cmd->name, cmd->usage, cmd->summary);
    for (size_t i = 0; i < cmd->noptions; i++) {
        const cli_option *o = &cmd->options[i];
        char left[64], arg[40] = "";
        if (o->arg_name)
            snprintf(arg, sizeof arg, " %s", o->arg_name);
        if (o->short_name)
            snprintf(left, sizeof left, "-%c, --%s%s", o->short_name, o->long_name, arg);
        else
            snprintf(left, sizeof left, "    --%s%s", o->long_name, arg);
        fprintf(out, "  %-26s %s\n", left, o->help);
    }
    fprintf(out, "  %-26s %s\n", "-h, --help", cli_help_option_text);
    if (cmd->details)
        fprintf(out, "\n%s", cmd->details);
    if (cmd->nexamples > 0)
        fprintf(out, "\nExamples:\n");
    for (size_t i = 0; i < cmd->nexamples; i++)
        fprintf(out, "  # %s\n  %s\n", cmd->examples[i].what, cmd->examples[i].line);
    if (cmd->exit_status)
        fprintf(out, "\nExit codes: %s", cmd->exit_status);
}
