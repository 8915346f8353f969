"""The fault suite (`make faults`): the issue's failures, reproduced on servers of its own.

It starts its own MariaDB (mariadb-install-db into a temporary datadir, another port), two Redis
servers (cache, broker), gunicorn, a Celery worker and beat from the project, drives 8 clients and
checks the numbers of issue 10's "Done when". Everything it starts it stops. It never touches the
shared MariaDB on 3306 or Redis on 6379.
"""
