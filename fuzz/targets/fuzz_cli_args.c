/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_cli_args.c - the espi command line, in process: cli_main with an
 * argv made from the input and the input's tail as stdin.
 *
 * Input: words separated by NUL bytes are argv[1..]; an empty word (two
 * NULs in a row) ends them and the rest of the input is stdin. To keep the
 * run in memory and off real files, every word other than the command
 * that does not start with '-' becomes "-" (stdin, or stdout for -o), an
 * inline output file ("-oX", "--output=X") becomes "-o-", "--output-dir"
 * (which would make folders) becomes "--dry-run", an inline status or list
 * file ("--status=X", "--files-from=X") becomes "-", and "--updated=now"
 * becomes a fixed time. stdout and stderr are memory
 * streams. espi convert still writes its feed through a temporary file in
 * $TMPDIR, which it removes. */
#include "fuzz_common.h"

#include "cli.h"

#define MAX_WORDS 48

/* Rewrites a word as the header says; returns the word to pass. */
static char *safe_word(char *w, int index)
{
    static char dash[] = "-", out_stdout[] = "-o-", updated[] = "--updated=1790035200";
    static char dry_run[] = "--dry-run", status_stdout[] = "--status=-",
                list_stdin[] = "--files-from=-";
    if (index == 1)
        return w;
    if (w[0] != '-')
        return dash;
    if (strncmp(w, "--output-dir", 12) == 0)
        return dry_run;
    if ((w[1] == 'o' && w[2] != '\0') || strncmp(w, "--output=", 9) == 0)
        return out_stdout;
    if (strncmp(w, "--status=", 9) == 0)
        return status_stdout;
    if (strncmp(w, "--files-from=", 13) == 0)
        return list_stdin;
    if (strcmp(w, "--updated=now") == 0)
        return updated;
    return w;
}

/* Splits buf (NUL-terminated at len) into argv; returns argc and sets
 * *rest to the first byte of stdin. */
static int split_args(char *buf, size_t len, char **argv, size_t *rest)
{
    static char prog[] = "espi";
    int argc = 0;
    argv[argc++] = prog;
    size_t i = 0;
    while (i < len && argc < MAX_WORDS) {
        char *w = buf + i;
        size_t n = strlen(w);
        i += n + 1;
        if (n == 0)
            break;
        argv[argc] = safe_word(w, argc);
        argc++;
    }
    argv[argc] = NULL;
    *rest = i < len ? i : len;
    return argc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (buf == NULL)
        return 0;
    if (size > 0)
        memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[MAX_WORDS + 1];
    size_t rest;
    int argc = split_args(buf, size, argv, &rest);
    char *in_copy;
    FILE *in = fuzz_open_input(data + rest, size - rest, &in_copy);
    char *out_buf = NULL, *err_buf = NULL;
    size_t out_len = 0, err_len = 0;
    FILE *out = open_memstream(&out_buf, &out_len);
    FILE *err = open_memstream(&err_buf, &err_len);
    if (in != NULL && out != NULL && err != NULL) {
        FILE *saved = stdin;
        stdin = in; /* glibc: stdin is an assignable variable */
        int code = cli_main(argc, argv, out, err);
        stdin = saved;
        if (code < 0 || code > CLI_IO)
            abort(); /* only the documented exit codes */
    }
    if (out != NULL)
        fclose(out);
    if (err != NULL)
        fclose(err);
    free(out_buf);
    free(err_buf);
    if (in != NULL)
        fclose(in);
    free(in_copy);
    free(buf);
    return 0;
}
