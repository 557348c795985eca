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
// - `options.netInfo` (@react-native-community/netinfo's default export, or any
//   object whose `addEventListener(listener)` returns an unsubscribe function and
//   calls `listener({isConnected, isInternetReachable})`): there is no `online` event
//   in React Native, so without it online/offline comes from delivery outcomes only.
//   With it, going online delivers at once despite a backoff (the browser's `online`
//   event), going offline is reported (`isOnline()` false, one `{type:"offline"}`
//   event) before a delivery has to fail; `null` (unknown) counts as connected. Events
//   are deduplicated against the core's own online/offline events. `close()`
//   unsubscribes.
// - Out of memory: the entry's heap is fixed (32 MiB), and a core that runs out of it
//   traps. runtime.js stops the core then; here the calls waiting on it reject with
//   code OUT_OF_MEMORY and every later call with CLOSED (sync methods throw), so the
//   app gets a coded error instead of a promise that never settles. What was stored
//   stays in storage for the next launch.
// - The core already runs one sender per JS runtime without Web Locks (a lease record
//   in the same storage) and falls back from `crypto` to Math.random for ids.
/* eslint-disable no-unused-vars */

function vssError(code, message) {
  const e = new Error(message);
  e.name = "VideoSessionError";
  e.code = code;
  return e;
}

/** The core's methods that return a promise (the others answer synchronously). */
const VSS_ASYNC_METHODS = [
  "startSession",
  "markConnected",
  "updateSettings",
  "reportQualityIssue",
  "endSession",
  "markFailed",
  "markReconnecting",
  "markReconnected",
  "markScreenShare",
  "rateSession",
  "reportNetworkStats",
  "getUserSessions",
  "getCallStats",
  "getActiveSession",
  "getCallVolume",
  "getDurationTrend",
  "getPeakHours",
  "getIssuesByHour",
  "getSupportWorkerLeaderboard",
  "flush",
];

/** `call()`, unless the core stopped; a promise it returns also rejects when the core stops. */
function vssGuarded(core, isAsync, call) {
  if (core.aborted) {
    if (isAsync) return Promise.reject(vssStoppedCore());
    throw vssStoppedCore();
  }
  let result;
  try {
    result = call();
  } catch (e) {
    if (isAsync) return Promise.reject(e);
    throw e;
  }
  if (!result || typeof result.then !== "function") return result;
  return new Promise((resolve, reject) => {
    const onAbort = (e) => reject(e);
    core.onAbort.push(onAbort);
    const done = () => {
      const i = core.onAbort.indexOf(onAbort);
      if (i >= 0) core.onAbort.splice(i, 1);
    };
    result.then(
      (v) => {
        done();
        resolve(v);
      },
      (e) => {
        done();
        reject(e);
      },
    );
  });
}

function vssNetInfoConnected(state) {
  if (!state || typeof state !== "object") return true;
  return state.isConnected !== false && state.isInternetReachable !== false;
}

function vssReactNativePlatform(VideoSessionClient, core) {
  const create = VideoSessionClient.create;
  const close = VideoSessionClient.prototype.close;
  const isOnline = VideoSessionClient.prototype.isOnline;
  const subscriptions = new WeakMap();
  const networks = new WeakMap();

  for (const name of Object.getOwnPropertyNames(VideoSessionClient.prototype)) {
    const method = VideoSessionClient.prototype[name];
    if (name === "constructor" || name === "close" || typeof method !== "function") continue;
    const isAsync = VSS_ASYNC_METHODS.indexOf(name) >= 0;
    VideoSessionClient.prototype[name] = function guardedMethod(...args) {
      return vssGuarded(core, isAsync, () => method.apply(this, args));
    };
  }

  VideoSessionClient.create = function createOnReactNative(options) {
    let opts = options;
    let network = null;
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
      const netInfo = options.netInfo;
      if (netInfo !== undefined && netInfo !== null) {
        if (typeof (netInfo && netInfo.addEventListener) !== "function") {
          return Promise.reject(
            vssError("INVALID_ARGUMENT", "options.netInfo must be @react-native-community/netinfo's NetInfo (with addEventListener)"),
          );
        }
        // What the app was last told (null: nothing yet) and what NetInfo says.
        network = { shown: null, offline: false, onEvent: options.onEvent };
        const report = (online) => {
          if (network.shown === online) return;
          network.shown = online;
          if (typeof network.onEvent === "function") {
            try {
              network.onEvent({ type: online ? "online" : "offline" });
            } catch (_) {
              // A throwing handler must not break the SDK; its error is the app's.
            }
          }
        };
        network.report = report;
        opts = Object.assign({}, options, {
          onEvent(event) {
            if (event && (event.type === "online" || event.type === "offline")) report(event.type === "online");
            else if (typeof network.onEvent === "function") network.onEvent(event);
          },
        });
      }
    }
    return vssGuarded(core, true, () => create.call(this, opts)).then((client) => {
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
      if (network) {
        if (network.shown === null) network.shown = isOnline.call(client);
        networks.set(client, network);
        const unsubscribe = options.netInfo.addEventListener((state) => {
          const online = vssNetInfoConnected(state);
          if (online === !network.offline) return;
          network.offline = !online;
          if (!online) network.report(false);
          else if (!core.aborted) {
            client.flush().catch(() => undefined); // as the browser's `online` event
            // Back to what the core knows: online unless its last delivery failed.
            if (isOnline.call(client)) network.report(true);
          }
        });
        network.unsubscribe = unsubscribe;
      }
      return client;
    });
  };

  VideoSessionClient.prototype.isOnline = function isOnlineOnReactNative() {
    const network = networks.get(this);
    if (network && network.offline) return vssGuarded(core, false, () => false);
    return vssGuarded(core, false, () => isOnline.call(this));
  };

  VideoSessionClient.prototype.close = function closeOnReactNative() {
    const subscription = subscriptions.get(this);
    if (subscription) {
      subscriptions.delete(this);
      if (typeof subscription.remove === "function") subscription.remove();
    }
    const network = networks.get(this);
    if (network) {
      networks.delete(this);
      if (typeof network.unsubscribe === "function") network.unsubscribe();
      else if (network.unsubscribe && typeof network.unsubscribe.remove === "function") network.unsubscribe.remove();
    }
    // A stopped core cannot run: closing is then only the unsubscribing above.
    if (core.aborted) return undefined;
    return close.call(this);
  };
}
