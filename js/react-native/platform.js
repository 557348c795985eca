// React Native platform glue for the entry's VideoSessionClient. scripts/build-rn.mjs
// inlines this file into pkg/react-native.js (one private scope, like runtime.js) and
// applies it to the class it exports; the web build never sees it.
//
// Why each rule:
// - React Native has no localStorage, so `create()` without `options.storage` would
//   keep ops in memory only and lose them at the next launch: here it is refused with
//   code STORAGE, naming what to pass, before anything is opened.
// - `options.appState` (React Native's AppState): `background` and `inactive` deliver
//   what is pending (the app may be suspended or killed next: React Native's
//   `pagehide`), `active` delivers what waited while the app was away. The listener is
//   removed by `close()`.
// - The core already runs one sender per JS runtime without Web Locks (a lease record
//   in the same storage) and falls back from `crypto` to Math.random for ids.
/* eslint-disable no-unused-vars */

function vssError(code, message) {
  const e = new Error(message);
  e.name = "VideoSessionError";
  e.code = code;
  return e;
}

function vssReactNativePlatform(VideoSessionClient) {
  const create = VideoSessionClient.create;
  const close = VideoSessionClient.prototype.close;
  const subscriptions = new WeakMap();

  VideoSessionClient.create = function createOnReactNative(options) {
    if (options !== null && typeof options === "object") {
      if (options.storage === undefined || options.storage === null) {
        return Promise.reject(
          vssError(
            "STORAGE",
            "React Native has no localStorage: pass options.storage, e.g. AsyncStorage from @react-native-async-storage/async-storage " +
              '(any object with getItem/setItem/removeItem/getAllKeys works), or "memory" to keep ops in memory only',
          ),
        );
      }
      const appState = options.appState;
      if (appState !== undefined && appState !== null && typeof (appState && appState.addEventListener) !== "function") {
        return Promise.reject(vssError("INVALID_ARGUMENT", "options.appState must be React Native's AppState (with addEventListener)"));
      }
    }
    return create.call(this, options).then((client) => {
      const appState = options.appState;
      if (appState) {
        const subscription = appState.addEventListener("change", (state) => {
          if (state === "background" || state === "inactive" || state === "active") {
            // Delivery failures are the sender's to retry; nothing to report here.
            client.flush().catch(() => undefined);
          }
        });
        subscriptions.set(client, subscription);
      }
      return client;
    });
  };

  VideoSessionClient.prototype.close = function closeOnReactNative() {
    const subscription = subscriptions.get(this);
    if (subscription) {
      subscriptions.delete(this);
      if (typeof subscription.remove === "function") subscription.remove();
    }
    return close.call(this);
  };
}
