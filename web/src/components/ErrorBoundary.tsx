/** Keeps one page's rendering error on that page: the navigation stays usable and the error is said. */
import { Component, type ReactNode } from 'react';

/** Shows the error of a page that failed to render instead of a blank console. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, { error: Error | null; key: string }> {
  state = { error: null as Error | null, key: this.props.resetKey };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  static getDerivedStateFromProps(props: { resetKey: string }, state: { error: Error | null; key: string }) {
    // Navigating elsewhere gives the next page a fresh start.
    return props.resetKey !== state.key ? { error: null, key: props.resetKey } : null;
  }

  render() {
    if (this.state.error)
      return (
        <p className="note note-bad" role="alert">
          This page failed to show: {this.state.error.message}. Other pages still work; please report this.
        </p>
      );
    return this.props.children;
  }
}
