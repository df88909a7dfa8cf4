"""The app shell, navigation, shared components and theme."""
