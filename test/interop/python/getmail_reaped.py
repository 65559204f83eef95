"""Runs Debian 12's getmail6 (6.18) with one fix to how it waits for its delivery child.

getmail forks a child for every message it delivers (Mboxrd, Maildir, MDAs), installs its
SIGCHLD handler only after fork() returned, and learns of the child's exit through a condition
variable that the handler notifies. A child that exits before the handler is installed, or
before the parent waits, is never noticed: getmail waits its whole socket timeout (180 s) and
fails with "waiting child pid N timed out". Upstream:
https://github.com/getmail6/getmail6/issues/226. It happened in our CI on a busy 2-core VM.

Here the parent reaps the child with a blocking waitpid() instead, which cannot miss an exit,
and judges the status as getmail does. Arguments go to getmail as they are.

    /usr/bin/python3 getmail_reaped.py --getmaildir DIR --rcfile FILE  (getmail's own Python)
"""

import os
import runpy
import sys

from getmailcore import baseclasses
from getmailcore.exceptions import getmailOperationError


def prepare_child(self):
    """No SIGCHLD handler: wait_for_child reaps the child itself."""


def wait_for_child(self, childpid):
    _, status = os.waitpid(childpid, 0)
    if os.WIFSIGNALED(status):
        raise getmailOperationError('child pid %d killed by signal %d' % (childpid, os.WTERMSIG(status)))
    if not os.WIFEXITED(status):
        raise getmailOperationError('child pid %d failed to exit' % childpid)
    return os.WEXITSTATUS(status)


baseclasses.ForkingBase._prepare_child = prepare_child
baseclasses.ForkingBase._wait_for_child = wait_for_child
sys.argv = ['getmail'] + sys.argv[1:]
runpy.run_path('/usr/bin/getmail', run_name='__main__')
