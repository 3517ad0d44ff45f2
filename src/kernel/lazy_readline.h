/* lazy_readline.h — GNU readline through lazylib (see lazylib.h). Include
 * it instead of <readline/readline.h>; call nsl_lazylib_load_readline() first. Its
 * variables become lvalues through the pointers dlsym gives. */
#ifndef NSL_LAZY_READLINE_H
#define NSL_LAZY_READLINE_H

#include "lazylib.h"
#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>

#define NSL_RL_SYMS(X) X(add_history) X(history_truncate_file) \
	X(read_history) X(write_history) X(stifle_history) X(using_history) \
	X(rl_attempted_completion_function) X(rl_attempted_completion_over) \
	X(rl_callback_handler_install) X(rl_callback_handler_remove) \
	X(rl_callback_read_char) X(rl_callback_sigcleanup) \
	X(rl_catch_signals) X(rl_catch_sigwinch) X(rl_change_environment) \
	X(rl_completer_word_break_characters) \
	X(rl_completion_append_character) X(rl_completion_matches) \
	X(rl_end) X(rl_free_line_state) X(rl_instream) X(rl_line_buffer) \
	X(rl_mark) X(rl_outstream) X(rl_point) X(rl_readline_name) \
	X(rl_redisplay) X(rl_resize_terminal)

#define NSL_LAZY_SLOT(s) __typeof__(&s) s;
extern struct nsl_rl_syms { NSL_RL_SYMS(NSL_LAZY_SLOT) } nsl_rl;

#ifndef NSL_LAZY_TABLES
/* functions */
#define add_history                    nsl_rl.add_history
#define history_truncate_file          nsl_rl.history_truncate_file
#define read_history                   nsl_rl.read_history
#define write_history                  nsl_rl.write_history
#define stifle_history                 nsl_rl.stifle_history
#define using_history                  nsl_rl.using_history
#define rl_callback_handler_install    nsl_rl.rl_callback_handler_install
#define rl_callback_handler_remove     nsl_rl.rl_callback_handler_remove
#define rl_callback_read_char          nsl_rl.rl_callback_read_char
#define rl_callback_sigcleanup         nsl_rl.rl_callback_sigcleanup
#define rl_completion_matches          nsl_rl.rl_completion_matches
#define rl_free_line_state             nsl_rl.rl_free_line_state
#define rl_redisplay                   nsl_rl.rl_redisplay
#define rl_resize_terminal             nsl_rl.rl_resize_terminal
/* variables */
#define rl_attempted_completion_function (*nsl_rl.rl_attempted_completion_function)
#define rl_attempted_completion_over   (*nsl_rl.rl_attempted_completion_over)
#define rl_catch_signals               (*nsl_rl.rl_catch_signals)
#define rl_catch_sigwinch              (*nsl_rl.rl_catch_sigwinch)
#define rl_change_environment          (*nsl_rl.rl_change_environment)
#define rl_completer_word_break_characters (*nsl_rl.rl_completer_word_break_characters)
#define rl_completion_append_character (*nsl_rl.rl_completion_append_character)
#define rl_end                         (*nsl_rl.rl_end)
#define rl_instream                    (*nsl_rl.rl_instream)
#define rl_line_buffer                 (*nsl_rl.rl_line_buffer)
#define rl_mark                        (*nsl_rl.rl_mark)
#define rl_outstream                   (*nsl_rl.rl_outstream)
#define rl_point                       (*nsl_rl.rl_point)
#define rl_readline_name               (*nsl_rl.rl_readline_name)
#endif

#endif
