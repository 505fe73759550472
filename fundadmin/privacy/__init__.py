"""Her data, her choice: erasure on request, retention, legal holds, access and portability."""
