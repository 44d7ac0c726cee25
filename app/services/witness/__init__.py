"""Log witnessing (C2SP tlog-witness): cosigning other logs, and getting this log cosigned."""
