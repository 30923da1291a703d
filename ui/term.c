/*
 * term.c - curses set-up, drawing of cell buffers, keys and signals.
 * See term.h.
 *
 * The signal state below is the one process-wide state of the UI. It is
 * static because a signal handler can reach nothing else; the stop flag is a
 * lock-free C11 atomic, which a handler may write.
 */
#include "term.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "keys.h"

static atomic_int term_stop;             /* signal number of SIGINT/SIGTERM, or 0 */
static atomic_int term_active;           /* 1 between term_open and term_close */
static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define NCRASH (int)(sizeof crash_signals / sizeof crash_signals[0])
static struct sigaction saved_crash[NCRASH], saved_int, saved_term;

static void on_stop_signal(int sig)
{
    atomic_store(&term_stop, sig);
}

/* Restore the terminal, then let the default action run (a core dump). The
 * handler runs once: SA_RESETHAND put the default back before entry.
 * NOTE: endwin is not async-signal-safe; after a crash a best effort to
 * leave a usable terminal beats leaving it in raw mode. */
static void on_crash_signal(int sig)
{
    if (atomic_exchange(&term_active, 0))
        endwin();
    raise(sig);
}

static void install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, &saved_int);
    sigaction(SIGTERM, &sa, &saved_term);

    sa.sa_handler = on_crash_signal;
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    for (int i = 0; i < NCRASH; i++)
        sigaction(crash_signals[i], &sa, &saved_crash[i]);
}

static void restore_signals(void)
{
    sigaction(SIGINT, &saved_int, NULL);
    sigaction(SIGTERM, &saved_term, NULL);
    for (int i = 0; i < NCRASH; i++)
        sigaction(crash_signals[i], &saved_crash[i], NULL);
}

static int locale_is_utf8(void)
{
    const char *codeset = nl_langinfo(CODESET);
    return codeset && (strcasecmp(codeset, "UTF-8") == 0 || strcasecmp(codeset, "utf8") == 0);
}

static int curses_attr(int style_attr)
{
    int a = 0;
    if (style_attr & STYLE_ATTR_BOLD)
        a |= A_BOLD;
    if (style_attr & STYLE_ATTR_DIM)
        a |= A_DIM;
    if (style_attr & STYLE_ATTR_REVERSE)
        a |= A_REVERSE;
    if (style_attr & STYLE_ATTR_UNDERLINE)
        a |= A_UNDERLINE;
    return a;
}

static void setup_styles(term *t, int no_colour)
{
    const char *no_color_env = getenv("NO_COLOR");

    t->colour = !no_colour && !(no_color_env && *no_color_env) && has_colors() && start_color() == OK
                && COLORS >= 8 && COLOR_PAIRS > STYLE_COUNT;
    int default_colours = t->colour && use_default_colors() == OK;
    for (int i = 0; i < STYLE_COUNT; i++) {
        const style_entry *e = style_get(i);
        if (!t->colour) {
            t->attr[i] = curses_attr(e->mono_attr);
            continue;
        }
        /* Without default-colour support, -1 becomes white on black. */
        short fg = (short)(e->fg < 0 && !default_colours ? COLOR_WHITE : e->fg);
        short bg = (short)(e->bg < 0 && !default_colours ? COLOR_BLACK : e->bg);
        init_pair((short)(i + 1), fg, bg);
        t->attr[i] = (int)COLOR_PAIR(i + 1) | curses_attr(e->attr);
    }
}

int term_open(term *t, int force_ascii, int no_colour, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(err, errlen, "the screen needs a terminal on standard input and output; "
                              "use --headless for runs without one");
        return -1;
    }
    setlocale(LC_ALL, "");
    t->ascii = force_ascii || !locale_is_utf8();

    if (!initscr()) {
        snprintf(err, errlen, "cannot start curses; check that TERM (%s) names a known terminal",
                 getenv("TERM") ? getenv("TERM") : "unset");
        return -1;
    }
    atomic_store(&term_stop, 0);
    atomic_store(&term_active, 1);
    install_signals();
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    setup_styles(t, no_colour);
    return 0;
}

void term_close(term *t)
{
    if (!atomic_exchange(&term_active, 0))
        return;
    endwin();
    restore_signals();
}

void term_size(int *width, int *height)
{
    *width = COLS;
    *height = LINES;
}

void term_draw(term *t, const cells_buf *b)
{
    char run[4096];

    for (int y = 0; y < b->height && y < LINES; y++) {
        int x = 0;
        move(y, 0);
        while (x < b->width && x < COLS) {
            int style = cells_style_at(b, x, y);
            size_t used = 0;
            /* Gather a run of one style, then write it with one call. */
            while (x < b->width && x < COLS && cells_style_at(b, x, y) == style && used + 5 < sizeof run) {
                uint32_t cp = cells_get(b, x, y);
                if (cp == 0 || cp < 0x20 || (t->ascii && cp > 0x7e))
                    cp = cp == 0 ? ' ' : '?';
                used += (size_t)cells_utf8_encode(cp, run + used);
                x++;
            }
            attrset(t->attr[style < 0 || style >= STYLE_COUNT ? 0 : style]);
            addnstr(run, (int)used);
        }
    }
    attrset(A_NORMAL);
    refresh();
}

int term_read_key(void)
{
    int k = getch();

    switch (k) {
    case ERR:
        return -1;
    case KEY_UP:
        return KEYS_UP;
    case KEY_DOWN:
        return KEYS_DOWN;
    case KEY_LEFT:
        return KEYS_LEFT;
    case KEY_RIGHT:
        return KEYS_RIGHT;
    case KEY_BACKSPACE:
        return KEYS_BACKSPACE;
    case KEY_BTAB:
        return KEYS_BTAB;
    case KEY_RESIZE:
        return KEYS_RESIZE;
    case KEY_ENTER:
    case '\r':
        return KEYS_ENTER;
    default:
        return k;
    }
}

void term_wait(int timeout_ms)
{
    struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
    poll(&pfd, 1, timeout_ms);
}

int term_stop_signal(void)
{
    return atomic_load(&term_stop);
}
