"""Messages on a referral: each thread's page for the officer, the coordinator and a linked named lead."""
