/*
 * test_preset.c - preset parsing: a valid file, and each kind of error names
 * the source, the line, the key or value and what is accepted.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "preset.h"

static const char *valid_text =
    "# a comment\n"
    "[preset]\n"
    "name = demo\n"
    "summary = a demo ; with a semicolon inside\n"
    "theory = nngp_gp\n"
    "[model]\n"
    "activation = relu\n"
    "layers = 3\n"
    "bias = yes\n"
    "[params]\n"
    "d = 12   # inline comment\n"
    "[param T]\n"
    "value = 0.01\n"
    "min = 1e-4\n"
    "max = 1\n"
    "step = 2\n"
    "scale = log\n"
    "keys = [ ]\n"
    "[series test_mse]\n"
    "panel = err\n"
    "[series gp]\n"
    "kind = theory\n"
    "predicts = test_mse\n"
    "panel = err\n"
    "[panel err]\n"
    "ylog = yes\n";

static void expect_error(const char *text, const char *line_tag, const char *fragment)
{
    gs_preset p;
    char err[1024];
    assert_int_equal(gs_preset_parse(&p, text, "demo.ini", err, sizeof err), -1);
    if (!strstr(err, line_tag) || !strstr(err, fragment))
        fail_msg("message '%s' lacks '%s' or '%s'", err, line_tag, fragment);
}

static void preset_parses_valid_file(void **state)
{
    gs_preset p;
    char err[512];
    assert_int_equal(gs_preset_parse(&p, valid_text, "demo.ini", err, sizeof err), 0);
    assert_string_equal(p.name, "demo");
    assert_string_equal(p.summary, "a demo ; with a semicolon inside");
    assert_string_equal(p.activation, "relu");
    assert_int_equal(p.layers, 3);
    assert_int_equal(p.bias, 1);
    assert_float_equal(gs_params_get(&p.params, "d", 0), 12, 0);
    assert_float_equal(gs_params_get(&p.params, "T", 0), 0.01, 1e-15);
    const gs_tunable *t = gs_preset_tunable(&p, "T");
    assert_non_null(t);
    assert_int_equal(t->log_scale, 1);
    assert_int_equal(t->key_down, '[');
    assert_int_equal(t->key_up, ']');
    assert_int_equal(p.nseries, 2);
    assert_int_equal(p.series[1].kind, 4);
    assert_int_equal(p.series[1].pair, 0);
    assert_int_equal(p.panel[0].ylog, 1);
    assert_non_null(p.text);
    gs_preset_free(&p);
}

static void preset_unknown_key_suggests(void **state)
{
    expect_error("[preset]\nname = x\n[model]\nactivaton = erf\n", "demo.ini:4:", "did you mean 'activation'");
    expect_error("[preset]\nname = x\n[params]\nsigma_w = 1\n", "demo.ini:4:", "did you mean 'sigma_w2'");
    expect_error("[preset]\nname = x\n[modle]\n", "demo.ini:3:", "did you mean [model]");
}

static void preset_bad_values_name_the_value(void **state)
{
    expect_error("[preset]\nname = x\n[model]\nactivation = softplus\n", "demo.ini:4:", "softplus");
    expect_error("[preset]\nname = x\n[model]\nlayers = 5\n", "demo.ini:4:", "1, 2 or 3");
    expect_error("[preset]\nname = x\n[params]\nT = fast\n", "demo.ini:4:", "'fast' is not a number");
    expect_error("[preset]\nname = x\n[param T]\nvalue = 2\nmax = 1\n", "demo.ini:3:", "outside its bounds");
    expect_error("[preset]\nname = x\n[param T]\nvalue = 1\nkeys = abc\n", "demo.ini:5:", "two single characters");
    expect_error("[preset]\nname = x\n[series s]\npanel = nowhere\n", "demo.ini:3:", "not declared");
    expect_error("[preset]\nname = x\ntheory = nngp\n", "demo.ini:3:", "did you mean 'nngp_gp'");
    expect_error("[preset]\nname = x\n[series s]\npredicts = nothing\n", "demo.ini", "not a declared series");
    expect_error("name = x\n", "demo.ini:1:", "before any section");
    expect_error("[preset]\nname = x\nno equals sign\n", "demo.ini:3:", "key = value");
    expect_error("[preset]\n", "demo.ini", "no name");
    expect_error("[preset]\nname = x\n[params]\nd = 4.5\n", "demo.ini:4:", "d = 4.5 is not a whole number");
    expect_error("[preset]\nname = x\n[param N]\nvalue = 58.5\n", "demo.ini:4:", "not a whole number; N is a count");
}

static void preset_set_checks_bounds_and_names(void **state)
{
    gs_preset p;
    char err[512];
    assert_int_equal(gs_preset_parse(&p, valid_text, "demo.ini", err, sizeof err), 0);
    assert_int_equal(gs_preset_set(&p, "T=0.5", err, sizeof err), 0);
    assert_float_equal(gs_params_get(&p.params, "T", 0), 0.5, 0);
    assert_int_equal(gs_preset_set(&p, "T=5", err, sizeof err), -1);
    assert_non_null(strstr(err, "[0.0001, 1]"));
    assert_int_equal(gs_preset_set(&p, "Tt=1", err, sizeof err), -1);
    assert_non_null(strstr(err, "did you mean 'T'"));
    assert_int_equal(gs_preset_set(&p, "d=abc", err, sizeof err), -1);
    assert_non_null(strstr(err, "not a number"));
    assert_int_equal(gs_preset_set(&p, "d=12.5", err, sizeof err), -1);
    assert_non_null(strstr(err, "not a whole number"));
    assert_int_equal(gs_preset_set(&p, "d=13", err, sizeof err), 0);
    gs_preset_free(&p);
}

static void preset_builtins_all_parse(void **state)
{
    int count = 0;
    for (int i = 0; gs_builtin_presets[i].name; i++) {
        gs_preset p;
        char err[1024];
        if (gs_preset_parse(&p, gs_builtin_presets[i].text, gs_builtin_presets[i].path, err, sizeof err))
            fail_msg("built-in preset %s: %s", gs_builtin_presets[i].name, err);
        assert_string_equal(p.name, gs_builtin_presets[i].name);
        gs_preset_free(&p);
        count++;
    }
    assert_true(count >= 1);
}

static void preset_load_reports_missing(void **state)
{
    gs_preset p;
    char err[1024];
    assert_int_equal(gs_preset_load(&p, "nngp-outputz", err, sizeof err), -1);
    assert_non_null(strstr(err, "did you mean 'nngp-outputs'"));
    assert_int_equal(gs_preset_load(&p, "/nonexistent/x.ini", err, sizeof err), -1);
    assert_non_null(strstr(err, "not found"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(preset_parses_valid_file),
        cmocka_unit_test(preset_unknown_key_suggests),
        cmocka_unit_test(preset_bad_values_name_the_value),
        cmocka_unit_test(preset_set_checks_bounds_and_names),
        cmocka_unit_test(preset_builtins_all_parse),
        cmocka_unit_test(preset_load_reports_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
