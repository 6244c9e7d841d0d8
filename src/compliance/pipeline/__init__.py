"""The check as a pipeline of stages (read, group, evaluate, render) and the executors that
run a stage's tasks in this process or in worker processes."""
