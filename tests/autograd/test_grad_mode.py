"""Grad mode belongs to a thread (as in PyTorch), and `@no_grad()` covers a generator's body."""
import threading

import numpy as np

from simplegrad import Tensor, enable_grad, is_grad_enabled, no_grad


def test_no_grad_in_one_thread_leaves_another_threads_graph_alone():
    inside, release = threading.Event(), threading.Event()

    def hold_no_grad():
        with no_grad():
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=hold_no_grad)
    worker.start()
    inside.wait(10)
    try:
        x = Tensor([1.0], requires_grad=True)
        assert is_grad_enabled()
        assert (x * 2).requires_grad  # this thread still records
    finally:
        release.set()
        worker.join()


def test_overlapping_no_grad_blocks_in_two_threads_restore_each_threads_mode():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with no_grad():
            first_in.set()
            second_in.wait(10)
        first_out.set()
        seen["first"] = is_grad_enabled()

    def second():
        first_in.wait(10)
        with no_grad():
            second_in.set()
            first_out.wait(10)  # the first block ends while this one is open
        seen["second"] = is_grad_enabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"first": True, "second": True}
    assert is_grad_enabled()


def test_a_new_thread_starts_with_grad_on_whatever_its_parent_does():
    seen = []
    with no_grad():
        t = threading.Thread(target=lambda: seen.append(is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_no_grad_decorates_a_generator_body_but_not_its_caller():
    x = Tensor([1.0, 2.0], requires_grad=True)

    @no_grad()
    def doubled(n):
        for _ in range(n):
            yield x * 2

    made = []
    for y in doubled(2):
        made.append(y.requires_grad)
        assert is_grad_enabled()  # between items the caller's mode is back
        assert (x * 3).requires_grad
    assert made == [False, False]


def test_decorated_generator_passes_send_throw_and_return_value():
    @enable_grad()
    def echo():
        received = yield is_grad_enabled()
        try:
            yield received
        except KeyError:
            yield "caught"
        return "done"

    with no_grad():
        gen = echo()
        assert next(gen) is True  # the body ran with grad on
        assert gen.send(5) == 5
        assert gen.throw(KeyError()) == "caught"
        try:
            next(gen)
        except StopIteration as stop:
            assert stop.value == "done"
        assert not is_grad_enabled()


def test_decorator_keeps_the_function_name_and_doc():
    @no_grad()
    def predict(x):
        """Docs."""
        return x * 2

    assert predict.__name__ == "predict" and predict.__doc__ == "Docs."
    assert not predict(Tensor(np.ones(1), requires_grad=True)).requires_grad
