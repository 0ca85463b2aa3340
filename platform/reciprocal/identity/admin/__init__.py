"""The scheme admin's pages for people and sign-in: users and roles in `users`, identity providers in `providers`."""
